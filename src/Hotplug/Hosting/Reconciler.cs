using System.Collections.Concurrent;
using Hotplug.Discovery;
using Hotplug.Manifest;
using Hotplug.Packaging;

namespace Hotplug.Hosting;

/// <summary>
/// One reconcile pass: look at every plugin folder, start staging what is new and stable (off the loop), take in
/// what finished staging, decide which folder describes which plugin, and set each plugin's version going (off the
/// loop too) to match its folder. Touched only by the reconcile loop, but for what it hands off.
/// </summary>
internal sealed class Reconciler(HostContext host, PluginRegistry registry, StoreKeeper store, TrustKeeper trust, VersionLifecycle lifecycle, VersionRetirement retirement)
{
    private readonly Dictionary<string, FolderState> _folders = new(StringComparer.Ordinal);

    /// <summary>The applies under way, by plugin id: at most one per plugin, each off the loop.</summary>
    private readonly ConcurrentDictionary<string, Task> _applying = new(StringComparer.Ordinal);

    /// <summary>The folders the first pass found, until each of them has settled; then <see langword="null"/>.</summary>
    private HashSet<string>? _firstScan;

    /// <summary>Gets the applies (starts, upgrades) under way.</summary>
    public ICollection<Task> Applying => _applying.Values;

    /// <summary>Whether everything the passes so far set going (stagings, then starts) has ended. On the loop.</summary>
    public bool IsReconciled => store.IsIdle && _applying.IsEmpty && _folders.Values.All(f => f.Staging is null);

    /// <summary>
    /// Gets whether every folder the first pass found has settled its first version: it serves, or failed to start,
    /// or was rejected, or its folder is gone. On the loop.
    /// </summary>
    public bool IsLoaded { get; private set; }

    /// <summary>Runs one pass.</summary>
    /// <returns>When to look again for folders that are not stable yet or writes to retry, or <see langword="null"/>.</returns>
    public TimeSpan? Pass(CancellationToken stopping)
    {
        Directory.CreateDirectory(host.PluginsPath);
        var now = host.Time.GetUtcNow();
        if (trust.ReloadIfChanged())
        {
            foreach (var folder in _folders.Values)
            {
                folder.Processed = null;
            }
        }

        var recheck = store.SaveBookkeepingIfDue(now);
        var present = Directory.EnumerateDirectories(host.PluginsPath)
            .Concat(Directory.EnumerateFiles(host.PluginsPath, "*.zip"))
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();

        foreach (var gone in _folders.Keys.Except(present).ToList())
        {
            _folders.Remove(gone);
            registry.ForgetRejection(gone);
            host.Signals.RequestCollection();
        }

        TakeRequests();
        foreach (var path in present)
        {
            if (!_folders.TryGetValue(path, out var folder))
            {
                folder = new FolderState(path);
                _folders.Add(path, folder);
            }

            recheck = Earliest(recheck, Observe(folder, now));
        }

        var claims = FolderClaims.Claim(_folders.Values, IsActiveSource, RejectDuplicate);
        while (host.Signals.TryTakeReapply(out var reapply))
        {
            if (claims.TryGetValue(reapply, out var folder))
            {
                folder.NeedsApply = true;
            }
        }

        // Folders were staged and verified off the loop; the versions they describe start off the loop too, side by
        // side: a process plugin that takes a second to start holds up no other plugin, nor the next pass.
        foreach (var (id, folder) in claims)
        {
            stopping.ThrowIfCancellationRequested();
            var entry = registry.GetOrAdd(id);
            entry.Known = true;
            if (entry.SourcePath != folder.Path)
            {
                // A new source for the id (its first, or the one that took over from a folder removed): apply it.
                entry.SourcePath = folder.Path;
                folder.NeedsApply = true;
            }

            if (folder.NeedsApply && !_applying.ContainsKey(id))
            {
                folder.NeedsApply = false;
                Apply(entry, folder, stopping);
            }
        }

        // Plugins no folder describes any more go offline, drained (once a start under way has ended).
        foreach (var entry in registry.Entries.Where(e => e.Known && !claims.ContainsKey(e.Id) && !_applying.ContainsKey(e.Id)).ToList())
        {
            entry.Known = false;
            var reason = $"its folder {entry.SourcePath} was removed";
            if (entry.Active is not null)
            {
                _ = lifecycle.TakeOffline(entry, reason, verifyRelease: true);
            }
            else
            {
                registry.SetOffline(entry, entry.LastVersion, reason);
            }
        }

        CollectStoreIfSettled();
        CheckLoaded(present, claims);
        return recheck;
    }

    /// <summary>Sets <see cref="IsLoaded"/> once each folder of the first pass has come to an outcome and its start has ended.</summary>
    private void CheckLoaded(List<string> present, Dictionary<string, FolderState> claims)
    {
        if (IsLoaded)
        {
            return;
        }

        _firstScan ??= [.. present];
        _firstScan.RemoveWhere(path => !_folders.TryGetValue(path, out var folder) || IsSettled(folder));
        IsLoaded = _firstScan.Count == 0;
        if (IsLoaded)
        {
            _firstScan = null;
        }

        bool IsSettled(FolderState folder) =>
            folder.Settled && folder.Staging is null &&
            !(folder.Manifest is { } manifest && claims.TryGetValue(manifest.Id, out var claimed) && claimed == folder &&
              (folder.NeedsApply || _applying.ContainsKey(manifest.Id)));
    }

    /// <summary>Takes in what other parts of the host asked of the folders since the last pass.</summary>
    private void TakeRequests()
    {
        while (host.Signals.TryTakeRestage(out var restage))
        {
            if (_folders.TryGetValue(restage, out var folder))
            {
                folder.Processed = null;
            }
        }

        while (host.Signals.TryTakeChangedCopy(out var changed))
        {
            if (_folders.TryGetValue(changed.Folder, out var folder))
            {
                folder.ChangedStoreCopy = changed.StoreCopy;
            }
        }

        foreach (var folder in _folders.Values.Where(f => f.ChangedStoreCopy is { } copy && !Directory.Exists(copy)))
        {
            // The operator deleted the changed copy: staged again from the source, into a fresh copy.
            folder.ChangedStoreCopy = null;
            folder.Processed = null;
        }
    }

    /// <summary>Applies a folder's verified manifest to its plugin off the loop; the loop is signalled when it ends.</summary>
    private void Apply(PluginEntry entry, FolderState folder, CancellationToken stopping)
    {
        // What to apply is taken now, on the loop: a later pass may take in a newer staging of the folder.
        var (path, manifest, package) = (folder.Path, folder.Manifest!, folder.Package!);
        var apply = Task.Run(() => lifecycle.ApplyAsync(entry, path, manifest, package, stopping), CancellationToken.None);
        _applying[entry.Id] = apply;
        _ = apply.ContinueWith(
            t =>
            {
                _applying.TryRemove(KeyValuePair.Create(entry.Id, t));
                if (t.Exception is { } ex)
                {
                    Log.ApplyFailed(host.Logger, entry.Id, ex.GetBaseException());
                }

                host.Signals.Signal();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private bool IsActiveSource(FolderState folder) =>
        folder.Manifest is { } m && registry.TryGet(m.Id, out var entry) && entry.Active is not null && entry.SourcePath == folder.Path;

    private void RejectDuplicate(FolderState folder, FolderState winner)
    {
        var manifest = folder.Manifest!;
        var serving = IsActiveSource(winner) ? ", and serves it" : string.Empty;
        registry.Reject(manifest.Id, manifest.VersionText, PluginVersionState.Verified, folder.Path, new PackageVerificationException(
            PackageErrors.DuplicateId,
            $"duplicate id '{manifest.Id}': {manifest.Path} declares it, and {winner.Manifest!.Path} already does{serving}. {folder.Path} is not loaded. Give each plugin its own id; if {winner.Path} is removed, {folder.Path} is loaded at once.",
            manifest.Id,
            manifest.VersionText).Message);
    }

    /// <summary>
    /// Looks at one folder: takes in a staging that finished, and starts staging the folder off the loop once it
    /// has been stable for the stability window.
    /// </summary>
    /// <returns>How long to wait before the folder can be stable or retried, or <see langword="null"/>.</returns>
    private TimeSpan? Observe(FolderState folder, DateTimeOffset now)
    {
        if (folder.Staging is { IsCompleted: true } staged)
        {
            folder.Staging = null;
            Settle(folder, staged.GetAwaiter().GetResult(), now);
        }

        var fingerprint = FolderFingerprint.TryTake(folder.Path);
        if (fingerprint != folder.Seen)
        {
            folder.Seen = fingerprint;
            folder.SeenChangedAt = now;
        }

        if (folder.Staging is not null || fingerprint is null || fingerprint == folder.Processed)
        {
            // A staging under way signals the loop when it ends.
            return null;
        }

        var quiet = now - folder.SeenChangedAt;
        if (quiet < host.Options.StabilityWindow)
        {
            // Still being written, or just arrived: look again when the window has passed.
            return host.Options.StabilityWindow - quiet;
        }

        if (folder.Retry.Wait(now) is { } retry && retry > TimeSpan.Zero)
        {
            return retry;
        }

        folder.Processed = fingerprint;
        if (!File.Exists(folder.Path) && !File.Exists(Path.Combine(folder.Path, PluginManifest.FileName)))
        {
            // A folder without a manifest is not a plugin (yet). One that had a manifest keeps its last good
            // version running: a manifest that disappears while the folder stays is a copy in progress or a
            // mistake, not a request to go offline (removing the folder, or "enabled": false, is).
            Log.NoManifest(host.Logger, folder.Path);
            folder.Settled = true;
            return null;
        }

        folder.Staging = store.StageAsync(folder.Path, fingerprint.Value);
        return null;
    }

    /// <summary>Takes in what staging a folder came to: a version verified, or rejected, or a store write to retry.</summary>
    private void Settle(FolderState folder, StageOutcome outcome, DateTimeOffset now)
    {
        var fallbackId = folder.Manifest?.Id ?? Path.GetFileNameWithoutExtension(folder.Path);
        folder.Settled |= outcome.Error is not null || outcome.Manifest is not null;
        switch (outcome.Error)
        {
            case Store.StoreWriteException failure:
                // Not the package's fault: tried again with backoff, with or without a file event.
                folder.Processed = null;
                var wait = folder.Retry.Failed(now);
                var id = folder.Manifest?.Id ?? failure.PluginId ?? fallbackId;
                var version = failure.Version ?? folder.Manifest?.VersionText ?? "?";
                var message = $"{failure.Message}; trying again in {wait.TotalSeconds:0.#} s";
                Log.StoreWriteFailed(host.Logger, id, message, failure.InnerException);
                VersionTransitions.Check(id, version, PluginVersionState.Discovered, PluginVersionState.Failed);
                registry.RecordFailure(registry.GetOrAdd(id), version, message);
                return;
            case { } rejection:
                folder.Retry.Succeeded();
                var reason = rejection.Message.Contains(folder.Path, StringComparison.Ordinal) ? rejection.Message : $"{rejection.Message} (package {folder.Path})";
                registry.Reject(folder.Manifest?.Id ?? rejection.PluginId ?? fallbackId, rejection.Version, PluginVersionState.Discovered, folder.Path, reason);
                return;
        }

        if (outcome.Manifest is not { } manifest || outcome.Package is not { } package)
        {
            // The source changed while it was copied: looked at again once it is stable.
            folder.Processed = null;
            return;
        }

        // Discovered → Verified: the store verified its copy; it is staged (and checked again) when it is applied.
        VersionTransitions.Check(manifest.Id, manifest.VersionText, PluginVersionState.Discovered, PluginVersionState.Verified);
        folder.Retry.Succeeded();
        if (folder.Manifest is { } previous && previous.Id != manifest.Id && registry.TryGet(previous.Id, out var old) && old.SourcePath == folder.Path)
        {
            // The folder now describes another plugin: the old id loses its source and goes offline this pass.
            old.SourcePath = null;
        }

        folder.Manifest = manifest;
        folder.Package = package;
        folder.DuplicateOf = null;
        folder.NeedsApply = true;
        host.Signals.RequestCollection();
    }

    /// <summary>
    /// Deletes the store folders no one needs, when asked to and nothing is being staged or waits to be: every
    /// version that runs, starts or drains, and every version a plugin folder describes, is kept, with the
    /// <see cref="HotplugOptions.RetainedVersions"/> most recently active others of each plugin. On the loop,
    /// after the pass's starts have ended, so no version is being loaded from a folder it deletes.
    /// </summary>
    private void CollectStoreIfSettled()
    {
        var pending = !store.IsIdle || !_applying.IsEmpty || _folders.Values.Any(f =>
            f.Staging is not null || (f.Seen is not null && f.Seen != f.Processed && f.Retry.Due is null));
        if (pending || !host.Signals.TakeCollectionRequest())
        {
            return;
        }

        var keep = new HashSet<string>(StringComparer.Ordinal);
        keep.UnionWith(registry.Entries.Select(e => e.Active?.Package.Path).OfType<string>());
        keep.UnionWith(retirement.StoreCopies);
        keep.UnionWith(_folders.Values.Select(f => f.Package?.Path).OfType<string>());
        try
        {
            foreach (var removed in host.Store.Collect(keep, host.Options.RetainedVersions))
            {
                Log.Collected(host.Logger, removed);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CollectFailed(host.Logger, ex);
            host.Signals.RequestCollection();
        }
    }

    private static TimeSpan? Earliest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
