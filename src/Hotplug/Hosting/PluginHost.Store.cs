using System.Collections.Concurrent;
using Hotplug.Discovery;
using Hotplug.Manifest;
using Hotplug.Packaging;
using Hotplug.Store;

namespace Hotplug.Hosting;

/// <summary>The host's side of the store: staging off the loop, writes retried with backoff, and retention.</summary>
internal sealed partial class PluginHost
{
    private readonly ConcurrentDictionary<Task, bool> _stagings = new();
    private int _collectionRequested = 1;

    /// <summary>
    /// Gets or sets what is called, on the staging thread, with a package's path just before it is staged. Tests
    /// use it to hold a staging open and show that the loop does not wait for it.
    /// </summary>
    internal Action<string>? StagingStarted { get; set; }

    /// <summary>
    /// Copies and verifies a package into the store off the reconcile loop, so that a large or hostile package
    /// holds up no other plugin. The loop is signalled when it ends and takes the outcome in on its next pass.
    /// </summary>
    private Task<StageOutcome> StageAsync(string path, FolderFingerprint fingerprint)
    {
        var store = _store!;
        var policy = _verification!;
        var staging = Task.Run(() =>
        {
            try
            {
                StagingStarted?.Invoke(path);
                return store.Stage(path, fingerprint, policy) is { } staged
                    ? new StageOutcome(staged.Manifest, staged.Package, null)
                    : StageOutcome.Changed;
            }
            catch (PluginException ex) when (ex is PackageVerificationException or PluginManifestException or StoreWriteException)
            {
                return new StageOutcome(null, null, ex);
            }
            catch (Exception ex)
            {
                // Unexpected, but a staging must always end with an outcome: the folder is rejected until it changes.
                return new StageOutcome(null, null, new PluginException($"staging {path} threw {ex.GetType().Name}: {ex.Message}", innerException: ex));
            }
        });
        _stagings.TryAdd(staging, true);
        _ = staging.ContinueWith(
            t =>
            {
                _stagings.TryRemove(t, out _);
                Signal();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return staging;
    }

    /// <summary>Records that a version became active, and that bookkeeping could not be written if so. Never throws.</summary>
    private void RecordRan(PluginEntry entry, PluginInstance instance)
    {
        var now = _time.GetUtcNow();
        Exception? error;
        try
        {
            error = _versions!.Ran(instance.Id, instance.Manifest.Version, now);
        }
        catch (Exception ex)
        {
            // Ran reports the write failures it knows; whatever else goes wrong must not stop an upgrade half-way.
            error = ex;
        }

        if (error is not null)
        {
            BookkeepingFailed(entry, error, now);
            Signal();
        }
    }

    /// <summary>Writes <c>versions.json</c> again when an earlier write failed and its retry is due.</summary>
    /// <returns>How long until the next retry, or <see langword="null"/>.</returns>
    private TimeSpan? SaveBookkeepingIfDue(DateTimeOffset now)
    {
        switch (_versions!.SaveIfDue(now))
        {
            case SaveResult.Saved:
                Log.BookkeepingSaved(_logger, Path.Combine(StatePath, VersionHistory.FileName));
                foreach (var entry in _entries.Values)
                {
                    lock (entry.Sync)
                    {
                        if (entry.LastError?.StartsWith(PackageErrors.BookkeepingWriteFailed, StringComparison.Ordinal) == true)
                        {
                            entry.LastError = null;
                        }
                    }
                }

                return null;
            case SaveResult.Failed:
                BookkeepingFailed(null, _versions.LastError!, now);
                break;
        }

        return _versions.RetryWait(now);
    }

    private void BookkeepingFailed(PluginEntry? entry, Exception error, DateTimeOffset now)
    {
        var wait = _versions!.RetryWait(now) ?? TimeSpan.Zero;
        var message = $"{PackageErrors.BookkeepingWriteFailed}: {Path.Combine(StatePath, VersionHistory.FileName)} could not be written ({error.Message}); the versions run are kept in memory, and the write is tried again in {wait.TotalSeconds:0.#} s.";
        Log.BookkeepingFailed(_logger, message, error);
        if (entry is not null)
        {
            lock (entry.Sync)
            {
                entry.LastError = message;
            }
        }
    }

    /// <summary>Asks for the store to be collected once the host is settled.</summary>
    private void RequestCollection() => Interlocked.Exchange(ref _collectionRequested, 1);

    /// <summary>
    /// Deletes the store folders no one needs, when asked to and nothing is being staged or waits to be: every
    /// version that runs, starts or drains, and every version a plugin folder describes, is kept, with the
    /// <see cref="HotplugOptions.RetainedVersions"/> most recently active others of each plugin. On the loop,
    /// after the pass's starts have ended, so no version is being loaded from a folder it deletes.
    /// </summary>
    private void CollectStoreIfSettled()
    {
        var pending = !_stagings.IsEmpty || !_applying.IsEmpty || _folders.Values.Any(f =>
            f.Staging is not null || (f.Seen is not null && f.Seen != f.Processed && f.Retry.Due is null));
        if (pending || Interlocked.Exchange(ref _collectionRequested, 0) == 0)
        {
            return;
        }

        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in _entries.Values)
        {
            if (entry.Active is { } active)
            {
                keep.Add(active.Package.Path);
            }
        }

        foreach (var path in _retiring.Values)
        {
            keep.Add(path);
        }

        foreach (var folder in _folders.Values)
        {
            if (folder.Package is { } package)
            {
                keep.Add(package.Path);
            }
        }

        try
        {
            foreach (var removed in _store!.Collect(keep, _options.RetainedVersions))
            {
                Log.Collected(_logger, removed);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CollectFailed(_logger, ex);
            RequestCollection();
        }
    }
}
