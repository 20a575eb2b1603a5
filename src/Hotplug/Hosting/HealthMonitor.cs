namespace Hotplug.Hosting;

/// <summary>
/// Health-checks every active version on an interval; a version that stops being healthy is shown degraded, with why,
/// and healthy again when it recovers. Versions are checked side by side, each bounded by
/// <see cref="HotplugOptions.HealthCheckTimeout"/>: one hung plugin neither holds up the checks of the others nor goes
/// unnoticed.
/// </summary>
internal sealed class HealthMonitor(HostContext host, PluginRegistry registry)
{
    public async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(host.Options.HealthCheckInterval, host.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                // In a method of its own, so no version stays referenced by this loop between ticks (which would
                // keep a replaced version's code alive).
                await CheckAllAsync(stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    /// <summary>Checks every active version once, side by side.</summary>
    public async Task CheckAllAsync(CancellationToken stopping)
    {
        var checks = new List<Task>();
        foreach (var entry in registry.Entries)
        {
            if (entry.Active is { } active)
            {
                checks.Add(CheckAsync(entry, active, stopping));
            }
        }

        await Task.WhenAll(checks).ConfigureAwait(false);
    }

    private async Task CheckAsync(PluginEntry entry, PluginInstance instance, CancellationToken stopping)
    {
        var health = await AskAsync(instance, stopping).ConfigureAwait(false);
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

    /// <summary>Asks the version, bounded by its own timeout (not the start timeout); a check that throws or does not answer is unhealthy.</summary>
    private async Task<PluginHealth> AskAsync(PluginInstance instance, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(host.Options.HealthCheckTimeout);
        try
        {
            return await instance.CheckHealthAsync(timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
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
