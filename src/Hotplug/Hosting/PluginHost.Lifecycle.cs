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

        if (entry.Active is { } running && running.Package.ContentHash == package.ContentHash && !running.StoreCopyChanged)
        {
            // Already serving this content (perhaps now from another folder): a rejection of this folder is history.
            ForgetRejection(folderPath);
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
            _changedCopies.Enqueue((folderPath, package.Path));
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
        var instance = await StartVersionAsync(entry, folderPath, manifest, package, stopping).ConfigureAwait(false);
        if (instance is not null)
        {
            Activate(entry, instance);
        }
    }

    /// <summary>Loads, starts and health-checks a version beside the active one.</summary>
    /// <returns>The started version, or <see langword="null"/> when it failed (the failure is on record).</returns>
    private async Task<PluginInstance?> StartVersionAsync(PluginEntry entry, string folderPath, PluginManifest manifest, StagedPackage package, CancellationToken stopping)
    {
        SetState(entry, manifest.VersionText, PluginState.Starting, null);
        PluginInstance? instance = null;
        string failure;
        try
        {
            var runtime = _runtimes![manifest.Runtime];
            var policy = _verification!;
            instance = PluginInstance.Create(runtime, manifest, package, _loggerFactory.CreateLogger(manifest.Id), _exports, manifest.CallTimeout ?? _options.DefaultCallTimeout, _time, ct => Task.Run(() => CheckRunningCopy(instance, folderPath, manifest, package, policy), ct));
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

    /// <summary>
    /// The check a runtime runs before it loads a running version's store copy again (a restarted process). A copy
    /// that changed or went away marks the version: once the operator deletes the copy, its folder is staged again
    /// and the fresh copy replaces the version, as an upgrade would.
    /// </summary>
    /// <exception cref="PackageVerificationException"><see cref="PackageErrors.StoreCopyChanged"/>.</exception>
    private void CheckRunningCopy(PluginInstance? instance, string folderPath, PluginManifest manifest, StagedPackage package, VerificationPolicy policy)
    {
        try
        {
            PluginStore.Check(package, manifest, policy);
        }
        catch (Exception ex) when (ex is PackageVerificationException or DirectoryNotFoundException)
        {
            if (instance is not null)
            {
                instance.StoreCopyChanged = true;
            }

            _changedCopies.Enqueue((folderPath, package.Path));
            Signal();
            if (ex is PackageVerificationException)
            {
                throw;
            }

            throw new PackageVerificationException(
                PackageErrors.StoreCopyChanged,
                $"the store copy {package.Path} of plugin '{manifest.Id}' {manifest.VersionText} is gone; nothing runs until its folder is staged again.",
                manifest.Id,
                manifest.VersionText);
        }
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
