using System.Collections.Concurrent;

namespace Hotplug.Hosting;

/// <summary>
/// Health-checks every active version on an interval; a version that stops being healthy is shown degraded, with why,
/// and healthy again when it recovers. Versions are checked side by side, each bounded by
/// <see cref="HotplugOptions.HealthCheckTimeout"/>: one hung plugin neither holds up the checks of the others nor goes
/// unnoticed. A version whose check is still under way at a tick is not asked again until that check ends.
/// </summary>
internal sealed class HealthMonitor(HostContext host, PluginRegistry registry)
{
    /// <summary>The checks under way, by version: at most one per version, so a hung one is not asked again until it ends.</summary>
    private readonly ConcurrentDictionary<PluginInstance, Task> _checking = new(ReferenceEqualityComparer.Instance);

    public async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(host.Options.HealthCheckInterval, host.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                // In a method of its own, so no version stays referenced by this loop between ticks (which would
                // keep a replaced version's code alive).
                CheckAll(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping.
        }

        // The checks still under way see the stop through their token; their answers are no longer news.
        await Task.WhenAll(_checking.Values).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a check of every active version that is not being checked already, side by side, without waiting for
    /// them: the next tick comes on time for every plugin, whatever one plugin's check does.
    /// </summary>
    public void CheckAll(CancellationToken stopping)
    {
        foreach (var entry in registry.Entries)
        {
            if (entry.Active is { } active && !_checking.ContainsKey(active))
            {
                var check = CheckAsync(entry, active, stopping);
                _checking[active] = check;
                _ = check.ContinueWith(
                    t => _checking.TryRemove(KeyValuePair.Create(active, t)),
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }

    private async Task CheckAsync(PluginEntry entry, PluginInstance instance, CancellationToken stopping)
    {
        PluginHealth health;
        try
        {
            health = await AskAsync(instance, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return;
        }

        PluginVersionState? changed = null;
        string? reason = null;
        lock (entry.Sync)
        {
            if (!ReferenceEquals(entry.Active, instance))
            {
                // Replaced or taken offline while it was asked: its answer is no longer news.
                return;
            }

            if (health.Status == PluginHealthStatus.Healthy && entry.State == PluginState.Degraded)
            {
                instance.Lifecycle.MoveTo(PluginVersionState.Healthy);
                entry.State = PluginState.Healthy;
                if (entry.LastError is { } last && (last.StartsWith("degraded: ", StringComparison.Ordinal) || last.StartsWith("unhealthy: ", StringComparison.Ordinal)))
                {
                    // The reason it was degraded no longer holds; any other error (a rejected new version) stays.
                    entry.LastError = null;
                }

                changed = PluginVersionState.Healthy;
                reason = "healthy again";
            }
            else if (health.Status != PluginHealthStatus.Healthy)
            {
                reason = $"{health.Status.ToString().ToLowerInvariant()}: {health.Description ?? "no reason given"}";
                if (entry.State != PluginState.Degraded || entry.LastError != reason)
                {
                    instance.Lifecycle.MoveTo(PluginVersionState.Degraded);
                    entry.State = PluginState.Degraded;
                    entry.LastError = reason;
                    changed = PluginVersionState.Degraded;
                }
            }
        }

        if (changed is { } state)
        {
            registry.Raise(entry, instance.Version, state, reason);
        }
    }

    /// <summary>
    /// Asks the version, bounded by its own timeout (not the start timeout) on the host's clock, as the interval is; a
    /// check that throws or does not answer is unhealthy.
    /// </summary>
    private async Task<PluginHealth> AskAsync(PluginInstance instance, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(host.Options.HealthCheckTimeout, host.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        try
        {
            return await instance.CheckHealthAsync(linked.Token).WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return PluginHealth.Unhealthy(ex is OperationCanceledException
                ? $"its health check did not answer within {host.Options.HealthCheckTimeout.TotalSeconds:0.#} s"
                : $"its health check threw {ex.GetType().Name}: {ex.Message}");
        }
    }
}
