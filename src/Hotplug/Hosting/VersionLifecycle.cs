using Hotplug.Manifest;
using Hotplug.Packaging;
using Hotplug.Store;

namespace Hotplug.Hosting;

/// <summary>
/// Moves a plugin's versions through their lifecycle: start a folder's version beside the active one, switch the
/// routers to it when it is healthy, and drain the one it replaces; or take the plugin offline. Each version's steps
/// go through its <see cref="VersionStateMachine"/>.
/// </summary>
internal sealed class VersionLifecycle(HostContext host, PluginRegistry registry, VersionRetirement retirement, StoreKeeper store)
{
    /// <summary>
    /// Makes the plugin's running version match a folder's verified manifest: start, upgrade or take offline.
    /// Off the loop, one at a time per plugin.
    /// </summary>
    public async Task ApplyAsync(PluginEntry entry, string folderPath, PluginManifest manifest, StagedPackage package, CancellationToken stopping)
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
            const string Disabled = "disabled by its manifest (\"enabled\": false)";
            if (entry.Active is not null)
            {
                await TakeOffline(entry, Disabled, verifyRelease: true).ConfigureAwait(false);
            }
            else
            {
                registry.SetOffline(entry, manifest.VersionText, Disabled);
            }

            return;
        }

        if (entry.Active is { } running && running.Package.ContentHash == package.ContentHash && !running.StoreCopyChanged)
        {
            // Already serving this content (perhaps now from another folder): a rejection of this folder is history.
            registry.ForgetRejection(folderPath);
            return;
        }

        if (host.Versions.RefusedDowngradeFrom(manifest.Id, manifest.Version) is { } highest)
        {
            registry.Reject(entry.Id, manifest.VersionText, PluginVersionState.Verified, folderPath, new PackageVerificationException(
                PackageErrors.Downgrade,
                $"plugin '{manifest.Id}' {manifest.VersionText} is older than {highest}, which this host has run: refusing the downgrade. To roll back on purpose, run `hotplug rollback {manifest.Id} {manifest.VersionText}` (or call IPluginAdmin.AllowDowngrade).",
                manifest.Id,
                manifest.VersionText).Message);
            return;
        }

        try
        {
            // The copy that is loaded is the copy verified: checked again now, whenever it was staged.
            var policy = host.Verification!;
            await Task.Run(() => PluginStore.Check(package, manifest, policy), stopping).ConfigureAwait(false);
        }
        catch (PackageVerificationException ex)
        {
            registry.Reject(entry.Id, manifest.VersionText, PluginVersionState.Verified, folderPath, ex.Message);
            host.Signals.StoreCopyChanged(folderPath, package.Path);
            return;
        }
        catch (DirectoryNotFoundException)
        {
            // Deleted from the store since it was staged: staged again from its source.
            host.Signals.Restage(folderPath);
            return;
        }

        if (package.SignerKeyId is null)
        {
            Log.RunningUnsigned(host.Logger, manifest.Id, manifest.VersionText);
        }

        var lifecycle = new VersionStateMachine(manifest.Id, manifest.VersionText, PluginVersionState.Verified);
        lifecycle.MoveTo(PluginVersionState.Staged);
        registry.Announce(entry, manifest.VersionText, PluginVersionState.Staged, PluginState.Staged, package.Path);
        var instance = await StartVersionAsync(entry, folderPath, manifest, package, lifecycle, stopping).ConfigureAwait(false);
        if (instance is not null)
        {
            Activate(entry, instance);
        }
    }

    /// <summary>Stops routing to the plugin and drains, stops and releases its active version.</summary>
    /// <returns>The retirement of the version that was active; completed when none was.</returns>
    public Task TakeOffline(PluginEntry entry, string reason, bool verifyRelease)
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
            Routers.BindAll(entry, null);
            previous.Lifecycle.MoveTo(PluginVersionState.Draining);
            entry.State = PluginState.Offline;
        }

        registry.Record(entry, previous.Version, PluginVersionState.Draining, reason);
        registry.Raise(entry, previous.Version, null, reason);
        return retirement.Retire(entry, previous, DrainTimeout(previous), reason, verifyRelease);
    }

    /// <summary>Creates, starts and health-checks a version beside the active one, bounded by the start timeout.</summary>
    /// <returns>The started version, or <see langword="null"/> when it failed (the failure is on record).</returns>
    private async Task<PluginInstance?> StartVersionAsync(PluginEntry entry, string folderPath, PluginManifest manifest, StagedPackage package, VersionStateMachine lifecycle, CancellationToken stopping)
    {
        lifecycle.MoveTo(PluginVersionState.Starting);
        registry.Announce(entry, manifest.VersionText, PluginVersionState.Starting, PluginState.Starting, null);
        PluginInstance? instance = null;
        string failure;
        try
        {
            var runtime = host.Runtimes[manifest.Runtime];
            var policy = host.Verification!;
            instance = PluginInstance.Create(
                runtime,
                manifest,
                package,
                host.LoggerFactory.CreateLogger(manifest.Id),
                host.Exports,
                manifest.CallTimeout ?? host.Options.DefaultCallTimeout,
                host.Time,
                ct => Task.Run(() => CheckRunningCopy(instance, folderPath, manifest, package, policy), ct),
                lifecycle);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(host.Options.StartTimeout);
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
            failure = $"it did not start and report healthy within the start timeout of {host.Options.StartTimeout.TotalSeconds:0.#} s";
        }
        catch (PluginException ex)
        {
            failure = ex.Message;
        }
        catch (Exception ex)
        {
            failure = $"starting it threw {ex.GetType().Name}: {ex.Message}";
        }

        lifecycle.MoveTo(PluginVersionState.Failed);
        Log.StartFailed(host.Logger, entry.Id, manifest.VersionText, failure);
        registry.RecordFailure(entry, manifest.VersionText, $"version {manifest.VersionText} failed to start: {failure}");
        if (instance is not null)
        {
            // Stop what did start, and make sure the failed version's code goes away too.
            _ = retirement.Retire(entry, instance, TimeSpan.Zero, $"failed to start: {failure}", verifyRelease: true);
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

            host.Signals.StoreCopyChanged(folderPath, package.Path);
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

    /// <summary>Points every router at <paramref name="instance"/>, then drains and releases the version it replaces.</summary>
    private void Activate(PluginEntry entry, PluginInstance instance)
    {
        PluginInstance? previous;
        lock (entry.Sync)
        {
            previous = entry.Active;
            instance.Lifecycle.MoveTo(PluginVersionState.Healthy);
            previous?.Lifecycle.MoveTo(PluginVersionState.Draining);
            instance.ActiveSince = host.Time.GetUtcNow();
            entry.Active = instance;
            Routers.BindAll(entry, instance);
            entry.State = PluginState.Healthy;
            entry.LastVersion = instance.Version;
            entry.LastError = null;
        }

        PluginStore.MarkActive(instance.Package, host.Time.GetUtcNow());
        var reason = previous is null ? $"started from {instance.Package.Path}"
            : instance.Manifest.Version.ComparePrecedenceTo(previous.Manifest.Version) < 0 ? $"rolled back from {previous.Version}"
            : $"upgraded from {previous.Version}";
        if (previous is not null)
        {
            // On record before anyone hears of the switch: status never shows the new version without the old draining.
            registry.Record(entry, previous.Version, PluginVersionState.Draining, $"replaced by {instance.Version}");
        }

        // Never throws: bookkeeping that cannot be written is retried, and never keeps the old version running.
        store.RecordRan(entry, instance);
        registry.Raise(entry, instance.Version, PluginVersionState.Healthy, reason);
        if (previous is not null)
        {
            _ = retirement.Retire(entry, previous, DrainTimeout(previous), $"replaced by {instance.Version}", verifyRelease: true);
        }

        host.Signals.RequestCollection();
    }

    private TimeSpan DrainTimeout(PluginInstance instance) => instance.Manifest.DrainTimeout ?? host.Options.DefaultDrainTimeout;
}
