using System.Collections.Concurrent;
using Hotplug.Runtimes;

namespace Hotplug.Hosting;

/// <summary>
/// The end of a version no router points at any more: drained (calls in flight finish, bounded by the drain
/// timeout), stopped (bounded by the stop timeout), released by its runtime, and what came of it on record.
/// </summary>
internal sealed class VersionRetirement(HostContext host, PluginRegistry registry)
{
    private readonly ConcurrentDictionary<Task, string> _retiring = new();

    /// <summary>Gets the store copies of the versions still retiring: the store keeps them.</summary>
    public ICollection<string> StoreCopies => _retiring.Values;

    /// <summary>Gets the retirements under way.</summary>
    public ICollection<Task> Pending => _retiring.Keys;

    public int Count => _retiring.Count;

    /// <summary>Retires a version, keeping it (and its store copy) on record until it ends.</summary>
    /// <param name="entry">The plugin.</param>
    /// <param name="instance">The version, already unbound from every router, in <see cref="PluginVersionState.Draining"/> or <see cref="PluginVersionState.Failed"/>.</param>
    /// <param name="drainTimeout">How long its calls in flight may take; zero to stop it at once.</param>
    /// <param name="reason">Why it is retired, recorded in its history.</param>
    /// <param name="verifyRelease">Whether to wait for its runtime to verify it is gone; not while the host stops.</param>
    /// <returns>The retirement; it never throws.</returns>
    public Task Retire(PluginEntry entry, PluginInstance instance, TimeSpan drainTimeout, string reason, bool verifyRelease)
    {
        var retirement = RetireAsync(entry, instance, drainTimeout, reason, verifyRelease);
        _retiring.TryAdd(retirement, instance.Package.Path);
        _ = retirement.ContinueWith(
            t =>
            {
                _retiring.TryRemove(t, out _);
                if (t.Exception is { } ex)
                {
                    Log.RetireFailed(host.Logger, ex.GetBaseException());
                }

                host.Signals.RequestCollection();
                host.Signals.Signal();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return retirement;
    }

    private async Task RetireAsync(PluginEntry entry, PluginInstance instance, TimeSpan drainTimeout, string reason, bool verifyRelease)
    {
        var version = instance.Version;
        var failed = instance.Lifecycle.State == PluginVersionState.Failed;
        reason += await DrainAsync(entry, instance, drainTimeout).ConfigureAwait(false);

        var stopError = await instance.StopAsync(host.Options.StopTimeout).ConfigureAwait(false);
        if (stopError is not null)
        {
            Log.StopFailed(host.Logger, entry.Id, version, stopError);
            reason += "; " + stopError;
        }

        instance.Lifecycle.MoveTo(PluginVersionState.Stopped);

        // While the host stops it does not wait for (nor pay for) verification: the token is already cancelled.
        var release = await instance.ReleaseAsync(host.Options.UnloadTimeout, verifyRelease ? host.Stopping : new CancellationToken(canceled: true)).ConfigureAwait(false);
        switch (release.Outcome)
        {
            case ReleaseOutcome.NotApplicable:
                // Nothing of it lives in the host once it has stopped (an out-of-process version).
                instance.Lifecycle.MoveTo(PluginVersionState.Unloaded);
                registry.Record(entry, version, failed ? PluginVersionState.Failed : PluginVersionState.Unloaded, reason);
                if (!failed)
                {
                    registry.Raise(entry, version, PluginVersionState.Unloaded, reason);
                }

                break;
            case ReleaseOutcome.Unverified:
                // The host is stopping: the version stays Stopped, its release not verified.
                var unverified = verifyRelease ? $"{reason}; unload not verified: {release.Reason ?? "the host stopped"}" : reason;
                registry.Record(entry, version, failed ? PluginVersionState.Failed : PluginVersionState.Stopped, unverified);
                break;
            case ReleaseOutcome.Collected:
                instance.Lifecycle.MoveTo(PluginVersionState.Unloaded);
                Log.Unloaded(host.Logger, entry.Id, version);
                if (!failed)
                {
                    // A failed version is already on record as failed; its unload is the expected end of that.
                    registry.Record(entry, version, PluginVersionState.Unloaded, reason);
                    registry.Raise(entry, version, PluginVersionState.Unloaded, reason);
                }

                break;
            default:
                instance.Lifecycle.MoveTo(PluginVersionState.Leaked);
                var message = $"version {version} leaked: {release.Reason ?? "its runtime could not release it"}";
                registry.Record(entry, version, PluginVersionState.Leaked, message);
                lock (entry.Sync)
                {
                    entry.LastError = message;
                }

                Log.Leaked(host.Logger, entry.Id, version, message);
                registry.Raise(entry, version, PluginVersionState.Leaked, message);
                break;
        }
    }

    /// <summary>Waits for the version's calls in flight, bounded by the drain timeout and by the host's stop.</summary>
    /// <returns>What to add to the retirement's reason: calls left running, or nothing.</returns>
    private async Task<string> DrainAsync(PluginEntry entry, PluginInstance instance, TimeSpan drainTimeout)
    {
        bool drained;
        try
        {
            // The host's stop cuts every drain short at its own bound (StopTimeout), whatever the plugin does.
            drained = drainTimeout <= TimeSpan.Zero || await instance.Gate.RetireAndDrainAsync(drainTimeout, host.DrainCutoff).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (host.DrainCutoff.IsCancellationRequested)
        {
            drained = false;
        }

        if (!drained && host.DrainCutoff.IsCancellationRequested)
        {
            Log.CallsAbandoned(host.Logger, entry.Id, instance.Version, instance.Gate.InFlight, host.Options.StopTimeout);
            return $"; {instance.Gate.InFlight} call(s) still running were abandoned when the host stopped (its stop waits at most the stop timeout of {host.Options.StopTimeout.TotalSeconds:0.#} s for calls)";
        }

        if (!drained)
        {
            Log.DrainTimedOut(host.Logger, entry.Id, instance.Version, instance.Gate.InFlight, drainTimeout);
            return $"; {instance.Gate.InFlight} call(s) still running after the drain timeout of {drainTimeout.TotalSeconds:0.#} s";
        }

        return string.Empty;
    }
}
