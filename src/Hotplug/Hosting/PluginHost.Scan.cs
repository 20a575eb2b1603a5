using System.Collections.Concurrent;
using Hotplug.Discovery;
using Hotplug.Manifest;
using Hotplug.Packaging;

namespace Hotplug.Hosting;

internal sealed partial class PluginHost
{
    private readonly Dictionary<string, FolderState> _folders = new(StringComparer.Ordinal);

    /// <summary>The applies under way, by plugin id: at most one per plugin, each off the loop.</summary>
    private readonly ConcurrentDictionary<string, Task> _applying = new(StringComparer.Ordinal);

    /// <summary>Folders whose store copy went missing before it was loaded: staged again by the loop.</summary>
    private readonly ConcurrentQueue<string> _restage = new();

    /// <summary>Folders whose store copy was found changed: staged again once an operator deleted that copy.</summary>
    private readonly ConcurrentQueue<(string Folder, string StoreCopy)> _changedCopies = new();

    /// <summary>
    /// One reconcile pass: look at every plugin folder, start staging what is new and stable (off the loop),
    /// take in what finished staging, and make each plugin's running version match its verified folder.
    /// </summary>
    /// <returns>When to look again for folders that are not stable yet or writes to retry, or <see langword="null"/>.</returns>
    private async Task<TimeSpan?> ScanAsync(CancellationToken stopping)
    {
        Directory.CreateDirectory(PluginsPath);
        var now = _time.GetUtcNow();
        ReloadTrustIfChanged();
        var recheck = SaveBookkeepingIfDue(now);
        var present = Directory.EnumerateDirectories(PluginsPath)
            .Concat(Directory.EnumerateFiles(PluginsPath, "*.zip"))
            .Where(d => !System.IO.Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();

        foreach (var gone in _folders.Keys.Except(present).ToList())
        {
            _folders.Remove(gone);
            ForgetRejection(gone);
            RequestCollection();
        }

        while (_restage.TryDequeue(out var restage))
        {
            if (_folders.TryGetValue(restage, out var folder))
            {
                folder.Processed = null;
            }
        }

        while (_changedCopies.TryDequeue(out var changed))
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

        foreach (var path in present)
        {
            if (!_folders.TryGetValue(path, out var folder))
            {
                folder = new FolderState(path);
                _folders.Add(path, folder);
            }

            recheck = Earliest(recheck, Observe(folder, now));
        }

        var claims = Claim();
        while (_reapply.TryDequeue(out var reapply))
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
            var entry = _entries.GetOrAdd(id, static i => new PluginEntry(i));
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
        foreach (var entry in _entries.Values.Where(e => e.Known && !claims.ContainsKey(e.Id) && !_applying.ContainsKey(e.Id)).ToList())
        {
            entry.Known = false;
            if (entry.Active is not null)
            {
                _ = TakeOffline(entry, $"its folder {entry.SourcePath} was removed", verifyUnload: true);
            }
            else
            {
                SetState(entry, entry.LastVersion, PluginState.Offline, $"its folder {entry.SourcePath} was removed");
            }
        }

        CollectStoreIfSettled();
        return recheck;
    }

    /// <summary>Applies a folder's verified manifest to its plugin off the loop; the loop is signalled when it ends.</summary>
    private void Apply(PluginEntry entry, FolderState folder, CancellationToken stopping)
    {
        // What to apply is taken now, on the loop: a later pass may take in a newer staging of the folder.
        var (path, manifest, package) = (folder.Path, folder.Manifest!, folder.Package!);
        var apply = Task.Run(() => ApplyAsync(entry, path, manifest, package, stopping), CancellationToken.None);
        _applying[entry.Id] = apply;
        _ = apply.ContinueWith(
            t =>
            {
                _applying.TryRemove(KeyValuePair.Create(entry.Id, t));
                if (t.Exception is { } ex)
                {
                    Log.ApplyFailed(_logger, entry.Id, ex.GetBaseException());
                }

                Signal();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Whether everything the passes so far set going (stagings, then starts) has ended. On the loop.</summary>
    private bool IsReconciled() => _stagings.IsEmpty && _applying.IsEmpty && _folders.Values.All(f => f.Staging is null);

    /// <summary>
    /// Which folder describes which plugin. Only verified packages claim an id. The folder a version serves from
    /// keeps its id when another folder claims it too; otherwise the first folder in ordinal order wins. A loser
    /// is rejected once, naming both folders, and stays ready: it is applied at once if the winner goes away.
    /// </summary>
    private Dictionary<string, FolderState> Claim()
    {
        var claims = new Dictionary<string, FolderState>(StringComparer.Ordinal);
        foreach (var folder in _folders.Values.Where(f => f.Manifest is not null).OrderBy(f => IsActiveSource(f) ? 0 : 1).ThenBy(f => f.Path, StringComparer.Ordinal))
        {
            var manifest = folder.Manifest!;
            if (!claims.TryGetValue(manifest.Id, out var winner))
            {
                folder.DuplicateOf = null;
                claims.Add(manifest.Id, folder);
                continue;
            }

            if (folder.DuplicateOf != winner.Path)
            {
                folder.DuplicateOf = winner.Path;
                var serving = IsActiveSource(winner) ? ", and serves it" : string.Empty;
                Reject(manifest.Id, manifest.VersionText, folder.Path, new PackageVerificationException(
                    PackageErrors.DuplicateId,
                    $"duplicate id '{manifest.Id}': {manifest.Path} declares it, and {winner.Manifest!.Path} already does{serving}. {folder.Path} is not loaded. Give each plugin its own id; if {winner.Path} is removed, {folder.Path} is loaded at once.",
                    manifest.Id,
                    manifest.VersionText).Message);
            }
        }

        return claims;
    }

    private bool IsActiveSource(FolderState folder) =>
        folder.Manifest is { } m && _entries.TryGetValue(m.Id, out var entry) && entry.Active is not null && entry.SourcePath == folder.Path;

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
        if (quiet < _options.StabilityWindow)
        {
            // Still being written, or just arrived: look again when the window has passed.
            return _options.StabilityWindow - quiet;
        }

        if (folder.Retry.Wait(now) is { } retry && retry > TimeSpan.Zero)
        {
            return retry;
        }

        folder.Processed = fingerprint;
        if (!File.Exists(folder.Path) && !File.Exists(System.IO.Path.Combine(folder.Path, PluginManifest.FileName)))
        {
            // A folder without a manifest is not a plugin (yet). One that had a manifest keeps its last good
            // version running: a manifest that disappears while the folder stays is a copy in progress or a
            // mistake, not a request to go offline (removing the folder, or "enabled": false, is).
            Log.NoManifest(_logger, folder.Path);
            return null;
        }

        folder.Staging = StageAsync(folder.Path, fingerprint.Value);
        return null;
    }

    /// <summary>Takes in what staging a folder came to. On the loop.</summary>
    private void Settle(FolderState folder, StageOutcome outcome, DateTimeOffset now)
    {
        var fallbackId = folder.Manifest?.Id ?? System.IO.Path.GetFileNameWithoutExtension(folder.Path);
        switch (outcome.Error)
        {
            case Store.StoreWriteException failure:
                // Not the package's fault: tried again with backoff, with or without a file event.
                folder.Processed = null;
                var wait = folder.Retry.Failed(now);
                var id = folder.Manifest?.Id ?? failure.PluginId ?? fallbackId;
                var message = $"{failure.Message}; trying again in {wait.TotalSeconds:0.#} s";
                Log.StoreWriteFailed(_logger, id, message, failure.InnerException);
                RecordFailure(_entries.GetOrAdd(id, static i => new PluginEntry(i)), failure.Version ?? folder.Manifest?.VersionText ?? "?", message);
                return;
            case { } rejection:
                folder.Retry.Succeeded();
                var reason = rejection.Message.Contains(folder.Path, StringComparison.Ordinal) ? rejection.Message : $"{rejection.Message} (package {folder.Path})";
                Reject(folder.Manifest?.Id ?? rejection.PluginId ?? fallbackId, rejection.Version, folder.Path, reason);
                return;
        }

        if (outcome.Manifest is not { } manifest || outcome.Package is not { } package)
        {
            // The source changed while it was copied: looked at again once it is stable.
            folder.Processed = null;
            return;
        }

        folder.Retry.Succeeded();
        if (folder.Manifest is { } previous && previous.Id != manifest.Id && _entries.TryGetValue(previous.Id, out var old) && old.SourcePath == folder.Path)
        {
            // The folder now describes another plugin: the old id loses its source and goes offline this pass.
            old.SourcePath = null;
        }

        folder.Manifest = manifest;
        folder.Package = package;
        folder.DuplicateOf = null;
        folder.NeedsApply = true;
        RequestCollection();
    }

    private void Reject(string id, string? version, string folderPath, string message)
    {
        var entry = _entries.GetOrAdd(id, static i => new PluginEntry(i));
        Log.Rejected(_logger, id, message);
        lock (entry.Sync)
        {
            entry.LastError = message;
            entry.SourcePath ??= folderPath;
            entry.RejectedFrom = entry.SourcePath == folderPath ? null : (folderPath, message);
            if (entry.Active is null)
            {
                entry.State = PluginState.Rejected;
                entry.LastVersion = version ?? entry.LastVersion;
            }
        }

        entry.Record(version ?? "?", PluginState.Rejected, message, _time.GetUtcNow(), _options.HistoryLimit);
        Raise(entry, version, PluginState.Rejected, message);
    }

    /// <summary>A folder that was rejected beside a plugin's own (an intruder, a duplicate) is gone: so is its error.</summary>
    private void ForgetRejection(string folderPath)
    {
        foreach (var entry in _entries.Values)
        {
            lock (entry.Sync)
            {
                if (entry.RejectedFrom is { } rejected && rejected.Folder == folderPath)
                {
                    entry.LastError = entry.LastError == rejected.Message ? null : entry.LastError;
                    entry.RejectedFrom = null;
                }
            }
        }
    }

    private static TimeSpan? Earliest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
