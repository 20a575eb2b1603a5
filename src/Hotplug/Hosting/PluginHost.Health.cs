namespace Hotplug.Hosting;

internal sealed partial class PluginHost
{
    /// <summary>
    /// Health-checks every active version on an interval; a version that stops being healthy is shown degraded, with why.
    /// Versions are checked side by side, each bounded by <see cref="HotplugOptions.HealthCheckTimeout"/>: one hung
    /// plugin neither holds up the checks of the others nor goes unnoticed.
    /// </summary>
    private async Task RunHealthChecksAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.HealthCheckInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                // In a method of its own, so no version stays referenced by this loop between ticks (which would
                // keep a replaced version's load context alive).
                await CheckAllAsync(stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    private async Task CheckAllAsync(CancellationToken stopping)
    {
        var checks = new List<Task>();
        foreach (var entry in _entries.Values)
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
        PluginHealth health;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            // Its own bound, not the start timeout.
            timeout.CancelAfter(_options.HealthCheckTimeout);
            try
            {
                health = await instance.CheckHealthAsync(timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                health = PluginHealth.Unhealthy(ex is OperationCanceledException
                    ? $"its health check did not answer within {_options.HealthCheckTimeout.TotalSeconds:0.#} s"
                    : $"its health check threw {ex.GetType().Name}: {ex.Message}");
            }
        }

        PluginState? changed = null;
        string? reason = null;
        lock (entry.Sync)
        {
            if (!ReferenceEquals(entry.Active, instance))
            {
                return;
            }

            if (health.Status == PluginHealthStatus.Healthy && entry.State == PluginState.Degraded)
            {
                entry.State = PluginState.Healthy;
                changed = PluginState.Healthy;
                reason = "healthy again";
            }
            else if (health.Status != PluginHealthStatus.Healthy)
            {
                reason = $"{health.Status.ToString().ToLowerInvariant()}: {health.Description ?? "no reason given"}";
                if (entry.State != PluginState.Degraded || entry.LastError != reason)
                {
                    entry.State = PluginState.Degraded;
                    entry.LastError = reason;
                    changed = PluginState.Degraded;
                }
            }
        }

        if (changed is { } state)
        {
            Raise(entry, instance.Version, state, reason);
        }
    }
}
