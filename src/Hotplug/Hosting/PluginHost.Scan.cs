using Hotplug.Discovery;
using Hotplug.Manifest;
using Hotplug.Packaging;

namespace Hotplug.Hosting;

internal sealed partial class PluginHost
{
    private readonly Dictionary<string, FolderState> _folders = new(StringComparer.Ordinal);

    /// <summary>
    /// One reconcile pass: look at every plugin folder, read what is new and stable, and make each plugin's
    /// running version match its folder.
    /// </summary>
    /// <returns>When to look again for folders that are not stable yet, or <see langword="null"/>.</returns>
    private async Task<TimeSpan?> ScanAsync(CancellationToken stopping)
    {
        Directory.CreateDirectory(PluginsPath);
        var now = _time.GetUtcNow();
        ReloadTrustIfChanged();
        var present = Directory.EnumerateDirectories(PluginsPath)
            .Concat(Directory.EnumerateFiles(PluginsPath, "*.zip"))
            .Where(d => !System.IO.Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();

        foreach (var gone in _folders.Keys.Except(present).ToList())
        {
            _folders.Remove(gone);
        }

        TimeSpan? recheck = null;
        foreach (var path in present)
        {
            if (!_folders.TryGetValue(path, out var folder))
            {
                folder = new FolderState(path);
                _folders.Add(path, folder);
            }

            var wait = Observe(folder, now);
            if (wait is { } w && (recheck is null || w < recheck))
            {
                recheck = w;
            }
        }

        // Which folder describes which plugin. The folder an active version came from keeps its id when
        // another folder claims the same id; otherwise the first folder in ordinal order wins.
        var claims = new Dictionary<string, FolderState>(StringComparer.Ordinal);
        foreach (var folder in _folders.Values.Where(f => f.Manifest is not null).OrderBy(f => IsActiveSource(f) ? 0 : 1).ThenBy(f => f.Path, StringComparer.Ordinal))
        {
            var id = folder.Manifest!.Id;
            if (claims.TryGetValue(id, out var winner))
            {
                if (folder.NeedsApply)
                {
                    folder.NeedsApply = false;
                    Reject(id, folder.Manifest.VersionText, folder.Path, $"{folder.Manifest.Path}: field 'id': duplicate id '{id}': {System.IO.Path.Combine(winner.Path, PluginManifest.FileName)} already declares it. Give each plugin its own id.");
                }

                continue;
            }

            claims.Add(id, folder);
        }

        while (_reapply.TryDequeue(out var reapply))
        {
            if (claims.TryGetValue(reapply, out var folder))
            {
                folder.NeedsApply = true;
            }
        }

        // Plugins are staged and verified one after another (the store's work), and start side by side: a process
        // plugin that takes a second to start does not hold up the others. The scan ends when every one has.
        var applying = new List<Task>();
        foreach (var (id, folder) in claims)
        {
            stopping.ThrowIfCancellationRequested();
            var entry = _entries.GetOrAdd(id, static i => new PluginEntry(i));
            entry.Known = true;
            entry.SourcePath = folder.Path;
            if (folder.NeedsApply)
            {
                folder.NeedsApply = false;
                applying.Add(ApplyAsync(entry, folder, stopping));
            }
        }

        await Task.WhenAll(applying).ConfigureAwait(false);

        // Plugins no folder describes any more go offline, drained.
        foreach (var entry in _entries.Values.Where(e => e.Known && !claims.ContainsKey(e.Id)).ToList())
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

        return recheck;
    }

    private bool IsActiveSource(FolderState folder) =>
        folder.Manifest is { } m && _entries.TryGetValue(m.Id, out var entry) && entry.Active is not null && entry.SourcePath == folder.Path;

    /// <summary>Looks at one folder; reads its manifest once the folder has been stable for the stability window.</summary>
    /// <returns>How long to wait before the folder can be stable, or <see langword="null"/>.</returns>
    private TimeSpan? Observe(FolderState folder, DateTimeOffset now)
    {
        var fingerprint = FolderFingerprint.TryTake(folder.Path);
        if (fingerprint != folder.Seen)
        {
            folder.Seen = fingerprint;
            folder.SeenChangedAt = now;
        }

        if (fingerprint is null || fingerprint == folder.Processed)
        {
            return null;
        }

        var quiet = now - folder.SeenChangedAt;
        if (quiet < _options.StabilityWindow)
        {
            // Still being written, or just arrived: look again when the window has passed.
            return _options.StabilityWindow - quiet;
        }

        folder.Processed = fingerprint;
        var isZip = File.Exists(folder.Path);
        var manifestPath = isZip
            ? $"{folder.Path}!/{PluginManifest.FileName}"
            : System.IO.Path.Combine(folder.Path, PluginManifest.FileName);
        PluginManifest manifest;
        try
        {
            if (isZip)
            {
                var bytes = SafeZip.ReadEntry(folder.Path, PluginManifest.FileName, _options.MaxPackageSize)
                    ?? throw new PluginManifestException(manifestPath, null, "is missing: a zipped package has plugin.json at its root.");
                manifest = ManifestReader.Parse(manifestPath, bytes, _runtimes);
            }
            else if (!File.Exists(manifestPath))
            {
                // A folder without a manifest is not a plugin (yet). One that had a manifest keeps its last good
                // version running: a manifest that disappears while the folder stays is a copy in progress or a
                // mistake, not a request to go offline (removing the folder, or "enabled": false, is).
                Log.NoManifest(_logger, folder.Path);
                return null;
            }
            else
            {
                manifest = ManifestReader.Read(manifestPath, _runtimes);
            }
        }
        catch (PluginException ex) when (ex is PluginManifestException or PackageVerificationException)
        {
            Reject(folder.Manifest?.Id ?? ex.PluginId ?? System.IO.Path.GetFileNameWithoutExtension(folder.Path), null, folder.Path, ex.Message);
            return null;
        }

        var missing = manifest.EntryFiles.FirstOrDefault(file => isZip
            ? !SafeZip.HasEntry(folder.Path, file.Replace('\\', '/'))
            : !File.Exists(System.IO.Path.Combine(folder.Path, file)));
        if (manifest.Enabled && missing is not null)
        {
            Reject(manifest.Id, manifest.VersionText, folder.Path, $"{manifestPath}: field 'entry': '{missing}' is not in the plugin folder.");
            return null;
        }

        if (folder.Manifest is { } previous && previous.Id != manifest.Id && _entries.TryGetValue(previous.Id, out var old) && old.SourcePath == folder.Path)
        {
            // The folder now describes another plugin: the old id loses its source and goes offline this pass.
            old.SourcePath = null;
        }

        folder.Manifest = manifest;
        folder.ManifestFingerprint = fingerprint;
        folder.NeedsApply = true;
        return null;
    }

    private void Reject(string id, string? version, string folderPath, string message)
    {
        var entry = _entries.GetOrAdd(id, static i => new PluginEntry(i));
        Log.Rejected(_logger, id, message);
        lock (entry.Sync)
        {
            entry.LastError = message;
            entry.SourcePath ??= folderPath;
            if (entry.Active is null)
            {
                entry.State = PluginState.Rejected;
                entry.LastVersion = version ?? entry.LastVersion;
            }
        }

        entry.Record(version ?? "?", PluginState.Rejected, message, _time.GetUtcNow(), _options.HistoryLimit);
        Raise(entry, version, PluginState.Rejected, message);
    }
}
