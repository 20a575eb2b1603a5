using System.Runtime.CompilerServices;

namespace Hotplug.Hosting;

/// <summary>The end of a version: drained, stopped, unloaded, and its unload verified.</summary>
internal sealed partial class PluginHost
{
    /// <summary>Keeps a retirement (and its store copy) on record until it ends, then asks for the store to be collected.</summary>
    private void TrackRetirement(Task retirement, PluginInstance instance)
    {
        _retiring.TryAdd(retirement, instance.Package.Path);
        _ = retirement.ContinueWith(
            t =>
            {
                _retiring.TryRemove(t, out _);
                if (t.Exception is { } ex)
                {
                    Log.RetireFailed(_logger, ex.GetBaseException());
                }

                RequestCollection();
                Signal();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Drains a version no router points at any more (calls in flight finish, bounded by the drain timeout),
    /// stops it, unloads its load context and verifies the context is collected.
    /// </summary>
    private async Task RetireAsync(PluginEntry entry, PluginInstance instance, TimeSpan drainTimeout, string reason, PluginState endState, bool verifyUnload)
    {
        var version = instance.Version;

        bool drained;
        try
        {
            // The host's stop cuts every drain short at its own bound (StopTimeout), whatever the plugin does.
            drained = drainTimeout <= TimeSpan.Zero || await instance.Gate.RetireAndDrainAsync(drainTimeout, _drainCutoff.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_drainCutoff.IsCancellationRequested)
        {
            drained = false;
        }

        if (!drained && _drainCutoff.IsCancellationRequested)
        {
            Log.CallsAbandoned(_logger, entry.Id, version, instance.Gate.InFlight, _options.StopTimeout);
            reason += $"; {instance.Gate.InFlight} call(s) still running were abandoned when the host stopped (its stop waits at most the stop timeout of {_options.StopTimeout.TotalSeconds:0.#} s for calls)";
        }
        else if (!drained)
        {
            Log.DrainTimedOut(_logger, entry.Id, version, instance.Gate.InFlight, drainTimeout);
            reason += $"; {instance.Gate.InFlight} call(s) still running after the drain timeout of {drainTimeout.TotalSeconds:0.#} s";
        }

        var stopError = await instance.StopAsync(_options.StopTimeout).ConfigureAwait(false);
        if (stopError is not null)
        {
            Log.StopFailed(_logger, entry.Id, version, stopError);
            reason += "; " + stopError;
        }

        var weak = instance.Unload();
        if (weak is null)
        {
            // An out-of-process version: nothing of it lives in the host once it has stopped.
            entry.Record(version, endState == PluginState.Failed ? PluginState.Failed : PluginState.Unloaded, reason, _time.GetUtcNow(), _options.HistoryLimit);
            if (endState != PluginState.Failed)
            {
                Raise(entry, version, PluginState.Unloaded, reason);
            }

            return;
        }

        if (!verifyUnload)
        {
            entry.Record(version, endState == PluginState.Failed ? PluginState.Failed : PluginState.Stopped, reason, _time.GetUtcNow(), _options.HistoryLimit);
            return;
        }

        var collected = await WaitForCollectionAsync(weak).ConfigureAwait(false);
        if (collected is null)
        {
            // The host is stopping: it does not wait for collections.
            entry.Record(version, endState == PluginState.Failed ? PluginState.Failed : PluginState.Stopped, reason + "; unload not verified: the host stopped", _time.GetUtcNow(), _options.HistoryLimit);
        }
        else if (collected.Value)
        {
            Log.Unloaded(_logger, entry.Id, version);
            if (endState != PluginState.Failed)
            {
                // A failed version is already on record as failed; its unload is the expected end of that.
                entry.Record(version, PluginState.Unloaded, reason, _time.GetUtcNow(), _options.HistoryLimit);
                Raise(entry, version, PluginState.Unloaded, reason);
            }
        }
        else
        {
            var why = Loading.LeakDiagnostics.Describe(weak);
            var message = $"version {version} leaked: its load context is still alive {_options.UnloadTimeout.TotalSeconds:0.#} s after unload; {why}";
            entry.Record(version, PluginState.Leaked, message, _time.GetUtcNow(), _options.HistoryLimit);
            lock (entry.Sync)
            {
                entry.LastError = message;
            }

            Log.Leaked(_logger, entry.Id, version, message);
            Raise(entry, version, PluginState.Leaked, message);
        }
    }

    /// <summary>Runs bounded garbage collections until the weakly held load context is gone or the unload timeout passes.</summary>
    /// <returns>Whether it was collected, or <see langword="null"/> when the host stopped before it could tell.</returns>
    private async Task<bool?> WaitForCollectionAsync(WeakReference weak)
    {
        var deadline = _time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(10);
        var cachesCleared = false;
        while (true)
        {
            if (!IsAlive(weak))
            {
                return true;
            }

            if (!cachesCleared)
            {
                // Framework caches (System.Text.Json's, for one) may hold the plugin's types: ask them to let go.
                cachesCleared = true;
                Loading.MetadataCaches.Clear();
                continue;
            }

            if (_time.GetElapsedTime(deadline) > _options.UnloadTimeout)
            {
                return false;
            }

            try
            {
                await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return IsAlive(weak) ? null : true;
            }

            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsAlive(WeakReference weak)
    {
        // Unloading needs a few collections: the context's own finalization, then what it rooted.
        for (var i = 0; i < 3 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return weak.IsAlive;
    }
}
