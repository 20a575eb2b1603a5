using System.Text.Json;
using Microsoft.Extensions.Hosting;

namespace Hotplug.Hosting;

internal sealed partial class PluginHost : IPluginHost, IHostedService
{
    public event EventHandler<PluginStateChange>? StateChanged;

    public TContract Get<TContract>(string pluginId) where TContract : class => throw new NotSupportedException();

    public IReadOnlyList<PluginStatus> GetPlugins() => [];

    public PluginStatus? GetPlugin(string pluginId) => null;

    public Task<JsonElement> InvokeAsync(string pluginId, string method, JsonElement arguments, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task RescanAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) { StateChanged?.Invoke(this, null!); return Task.CompletedTask; }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
