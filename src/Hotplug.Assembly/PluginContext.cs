using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Hotplug.Loading;

internal sealed class PluginContext(
    string pluginId,
    string version,
    IConfiguration configuration,
    ILogger logger,
    IServiceProvider hostServices,
    CancellationToken stopping) : IPluginContext
{
    public string PluginId { get; } = pluginId;

    public string Version { get; } = version;

    public IConfiguration Configuration { get; } = configuration;

    public ILogger Logger { get; } = logger;

    public IServiceProvider HostServices { get; } = hostServices;

    public CancellationToken Stopping { get; } = stopping;
}
