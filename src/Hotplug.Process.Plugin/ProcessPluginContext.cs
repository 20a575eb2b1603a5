using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Plugin;

/// <summary>
/// What a plugin hosted in its own process sees of its host, as an assembly plugin sees it: its id and version and
/// the manifest's <c>config</c> as the host passed them (<c>HOTPLUG_*</c>), a logger whose entries reach the host's
/// log (hclog on standard error), and the host's exported services, reached through go-plugin's broker.
/// </summary>
internal sealed class ProcessPluginContext(string pluginId, string version, IConfiguration configuration, ILogger logger, IServiceProvider hostServices, CancellationToken stopping) : IPluginContext
{
    public string PluginId => pluginId;

    public string Version => version;

    public IConfiguration Configuration => configuration;

    public ILogger Logger => logger;

    public IServiceProvider HostServices => hostServices;

    public CancellationToken Stopping => stopping;
}

/// <summary>
/// The host's exported services as an <see cref="IServiceProvider"/>: a client of each one the host offers, made once;
/// <see langword="null"/> for every other type, as an assembly plugin's <see cref="IPluginContext.HostServices"/> gives.
/// </summary>
internal sealed class HostServiceProvider(HostServices host) : IServiceProvider
{
    private readonly ConcurrentDictionary<Type, object?> _clients = new();

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Made only for plugins hosted by AddPlugin, which carries the requirement.")]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Made only for plugins hosted by AddPlugin, which carries the requirement.")]
    public object? GetService(Type serviceType) => _clients.GetOrAdd(serviceType, host.Find);
}
