using System.Runtime.CompilerServices;
using Hotplug.Manifest;
using Hotplug.Packaging;
using Hotplug.Store;

namespace Hotplug.Hosting;

internal sealed partial class PluginHost
{
    /// <summary>
    /// Makes the plugin's running version match a folder's verified manifest: start, upgrade or take offline.
    /// Off the loop, one at a time per plugin.
    /// </summary>
    private async Task ApplyAsync(PluginEntry entry, string folderPath, PluginManifest manifest, StagedPackage package, CancellationToken stopping)
    {
        lock (entry.Sync)
        {
            entry.Runtime = manifest.Runtime;
            if (entry.Active is null)
            {
                entry.LastVersion = manifest.VersionText;
            }
        }

        if (!manifest.Enabled)
        {
            if (entry.Active is not null)
            {
                await TakeOffline(entry, "disabled by its manifest (\"enabled\": false)", verifyUnload: true).ConfigureAwait(false);
            }
            else
            {
                SetState(entry, manifest.VersionText, PluginState.Offline, "disabled by its manifest (\"enabled\": false)");
            }

            return;
        }

        if (entry.Active is { } running && running.Package.ContentHash == package.ContentHash)
        {
            return;
        }

        if (_versions!.RefusedDowngradeFrom(manifest.Id, manifest.Version) is { } highest)
        {
            Reject(entry.Id, manifest.VersionText, folderPath, new PackageVerificationException(
                PackageErrors.Downgrade,
                $"plugin '{manifest.Id}' {manifest.VersionText} is older than {highest}, which this host has run: refusing the downgrade. To roll back on purpose, run `hotplug rollback {manifest.Id} {manifest.VersionText}` (or call IPluginHost.AllowDowngrade).",
                manifest.Id,
                manifest.VersionText).Message);
            return;
        }

        try
        {
            // The copy that is loaded is the copy verified: checked again now, whenever it was staged.
            var policy = _verification!;
            await Task.Run(() => PluginStore.Check(package, manifest, policy), stopping).ConfigureAwait(false);
        }
        catch (PackageVerificationException ex)
        {
            Reject(entry.Id, manifest.VersionText, folderPath, ex.Message);
            return;
        }
        catch (DirectoryNotFoundException)
        {
            // Deleted from the store since it was staged: staged again from its source.
            _restage.Enqueue(folderPath);
            Signal();
            return;
        }

        if (package.SignerKeyId is null)
        {
            Log.RunningUnsigned(_logger, manifest.Id, manifest.VersionText);
        }

        SetState(entry, manifest.VersionText, PluginState.Staged, package.Path);
        var instance = await StartVersionAsync(entry, manifest, package, stopping).ConfigureAwait(false);
        if (instance is not null)
        {
            Activate(entry, instance);
        }
    }

    /// <summary>Loads, starts and health-checks a version beside the active one.</summary>
    /// <returns>The started version, or <see langword="null"/> when it failed (the failure is on record).</returns>
    private async Task<PluginInstance?> StartVersionAsync(PluginEntry entry, PluginManifest manifest, StagedPackage package, CancellationToken stopping)
    {
        SetState(entry, manifest.VersionText, PluginState.Starting, null);
        PluginInstance? instance = null;
        string failure;
        try
        {
            var runtime = _runtimes![manifest.Runtime];
            instance = PluginInstance.Create(runtime, manifest, package, _loggerFactory.CreateLogger(manifest.Id), _exports, manifest.CallTimeout ?? _options.DefaultCallTimeout, _time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(_options.StartTimeout);
            await instance.StartAsync(timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
            var health = await instance.CheckHealthAsync(timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
            if (health.Status == PluginHealthStatus.Unhealthy)
            {
                failure = $"its health check reported unhealthy: {health.Description ?? "no reason given"}";
            }
            else if (MissingContracts(entry, instance) is { } missing)
            {
                failure = missing;
            }
            else
            {
                return instance;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            failure = "the host stopped while it was starting";
        }
        catch (OperationCanceledException)
        {
            failure = $"it did not start and report healthy within the start timeout of {_options.StartTimeout.TotalSeconds:0.#} s";
        }
        catch (PluginException ex)
        {
            failure = ex.Message;
        }
        catch (Exception ex)
        {
            failure = $"starting it threw {ex.GetType().Name}: {ex.Message}";
        }

        FailVersion(entry, manifest.VersionText, failure);
        if (instance is not null)
        {
            // Stop what did start, and make sure the failed version's code goes away too.
            TrackRetirement(RetireAsync(entry, instance, TimeSpan.Zero, $"failed to start: {failure}", PluginState.Failed, verifyUnload: true), instance);
        }

        return null;
    }

    private static string? MissingContracts(PluginEntry entry, PluginInstance instance)
    {
        lock (entry.Sync)
        {
            var missing = entry.Slots.Keys.Where(t => instance.GetContract(t) is null).Select(t => t.FullName).ToList();
            return missing.Count == 0
                ? null
                : $"callers use {string.Join(", ", missing)}, which version {instance.Version} does not provide";
        }
    }

    /// <summary>Points every router at <paramref name="instance"/>, then drains and unloads the version it replaces.</summary>
    private void Activate(PluginEntry entry, PluginInstance instance)
    {
        PluginInstance? previous;
        lock (entry.Sync)
        {
            previous = entry.Active;
            instance.ActiveSince = _time.GetUtcNow();
            entry.Active = instance;
            foreach (var slot in entry.Slots.Values)
            {
                slot.Bind(instance);
            }

            entry.State = PluginState.Healthy;
            entry.LastVersion = instance.Version;
            entry.LastError = null;
        }

        PluginStore.MarkActive(instance.Package, _time.GetUtcNow());
        var reason = previous is null ? $"started from {instance.Package.Path}" : $"upgraded from {previous.Version}";
        if (previous is not null)
        {
            // On record before anyone hears of the switch: status never shows the new version without the old draining.
            entry.Record(previous.Version, PluginState.Draining, $"replaced by {instance.Version}", _time.GetUtcNow(), _options.HistoryLimit);
        }

        // Never throws: bookkeeping that cannot be written is retried, and never keeps the old version running.
        RecordRan(entry, instance);
        Raise(entry, instance.Version, PluginState.Healthy, reason);
        if (previous is not null)
        {
            TrackRetirement(RetireAsync(entry, previous, DrainTimeout(previous), $"replaced by {instance.Version}", PluginState.Unloaded, verifyUnload: true), previous);
        }

        RequestCollection();
    }

    /// <summary>Stops routing to the plugin and drains, stops and unloads its active version.</summary>
    private Task TakeOffline(PluginEntry entry, string reason, bool verifyUnload)
    {
        PluginInstance? previous;
        lock (entry.Sync)
        {
            previous = entry.Active;
            if (previous is null)
            {
                return Task.CompletedTask;
            }

            entry.Active = null;
            foreach (var slot in entry.Slots.Values)
            {
                slot.Bind(null);
            }

            entry.State = PluginState.Offline;
        }

        entry.Record(previous.Version, PluginState.Draining, reason, _time.GetUtcNow(), _options.HistoryLimit);
        Raise(entry, previous.Version, PluginState.Offline, reason);
        var retirement = RetireAsync(entry, previous, DrainTimeout(previous), reason, PluginState.Unloaded, verifyUnload);
        TrackRetirement(retirement, previous);
        return retirement;
    }

    private TimeSpan DrainTimeout(PluginInstance instance) => instance.Manifest.DrainTimeout ?? _options.DefaultDrainTimeout;

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

    private void FailVersion(PluginEntry entry, string version, string failure)
    {
        Log.StartFailed(_logger, entry.Id, version, failure);
        RecordFailure(entry, version, $"version {version} failed to start: {failure}");
    }

    /// <summary>Puts a version's failure on record: last error, history, state (when none is active) and event.</summary>
    private void RecordFailure(PluginEntry entry, string version, string message)
    {
        lock (entry.Sync)
        {
            entry.LastError = message;
            if (entry.Active is null)
            {
                entry.State = PluginState.Failed;
                entry.LastVersion = version;
            }
        }

        entry.Record(version, PluginState.Failed, message, _time.GetUtcNow(), _options.HistoryLimit);
        Raise(entry, version, PluginState.Failed, message);
    }

    private void SetState(PluginEntry entry, string? version, PluginState state, string? reason)
    {
        lock (entry.Sync)
        {
            if (entry.Active is null)
            {
                entry.State = state;
                entry.LastVersion = version ?? entry.LastVersion;
            }
        }

        Raise(entry, version, state, reason);
    }
}
