using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Hotplug.Hosting;

/// <summary>
/// The host's plugins as one health check: unhealthy until the plugins of the first scan have loaded
/// (<see cref="IPluginHost.WaitUntilLoadedAsync"/>), then healthy while every plugin that is meant to run serves
/// healthy, and degraded, naming them, while some do not.
/// </summary>
/// <remarks>
/// A plugin taken offline on purpose (its folder removed, or <c>"enabled": false</c>) is not meant to run and does not
/// count. A plugin that failed or was rejected makes the service degraded, not unhealthy: the others still serve.
/// </remarks>
internal sealed class HotplugHealthCheck(PluginHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!host.IsLoaded)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the plugins found at start are still loading"));
        }

        var plugins = host.GetPlugins().Where(p => p.State is not PluginState.Offline).ToList();
        var notHealthy = plugins.Where(p => p.State is not PluginState.Healthy).ToList();
        var data = plugins.ToDictionary(p => p.Id, p => (object)p.State.ToString());
        if (notHealthy.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"{plugins.Count} plugin(s) serving", data));
        }

        var names = string.Join("; ", notHealthy.Select(p => p.LastError is { } error ? $"{p.Id} ({p.State}: {error})" : $"{p.Id} ({p.State})"));
        return Task.FromResult(HealthCheckResult.Degraded($"{notHealthy.Count} of {plugins.Count} plugin(s) not healthy: {names}", data: data));
    }
}
