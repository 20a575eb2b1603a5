using System.Collections.Concurrent;
using Hotplug.Discovery;
using Hotplug.Manifest;
using Hotplug.Packaging;
using Hotplug.Store;

namespace Hotplug.Hosting;

/// <summary>The host's side of the store: packages staged off the loop, and the bookkeeping of versions run (<c>versions.json</c>), its writes retried with backoff.</summary>
internal sealed class StoreKeeper(HostContext host, PluginRegistry registry)
{
    private readonly ConcurrentDictionary<Task, bool> _stagings = new();

    /// <summary>
    /// Gets or sets what is called, on the staging thread, with a package's path just before it is staged. Tests
    /// use it to hold a staging open and show that the loop does not wait for it.
    /// </summary>
    public Action<string>? StagingStarted { get; set; }

    /// <summary>Gets whether no staging is under way.</summary>
    public bool IsIdle => _stagings.IsEmpty;

    /// <summary>Gets the stagings under way.</summary>
    public ICollection<Task> Pending => _stagings.Keys;

    public int Count => _stagings.Count;

    /// <summary>
    /// Copies and verifies a package into the store off the reconcile loop, so that a large or hostile package
    /// holds up no other plugin. The loop is signalled when it ends and takes the outcome in on its next pass.
    /// </summary>
    public Task<StageOutcome> StageAsync(string path, FolderFingerprint fingerprint)
    {
        var store = host.Store;
        var policy = host.Verification!;
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
                host.Signals.Signal();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return staging;
    }

    /// <summary>Records that a version became active, and that bookkeeping could not be written if so. Never throws.</summary>
    public void RecordRan(PluginEntry entry, PluginInstance instance)
    {
        var now = host.Time.GetUtcNow();
        Exception? error;
        try
        {
            error = host.Versions.Ran(instance.Id, instance.Manifest.Version, now);
        }
        catch (Exception ex)
        {
            // Ran reports the write failures it knows; whatever else goes wrong must not stop an upgrade half-way.
            error = ex;
        }

        if (error is not null)
        {
            BookkeepingFailed(entry, error, now);
            host.Signals.Signal();
        }
    }

    /// <summary>Writes <c>versions.json</c> again when an earlier write failed and its retry is due.</summary>
    /// <returns>How long until the next retry, or <see langword="null"/>.</returns>
    public TimeSpan? SaveBookkeepingIfDue(DateTimeOffset now)
    {
        switch (host.Versions.SaveIfDue(now))
        {
            case SaveResult.Saved:
                Log.BookkeepingSaved(host.Logger, Path.Combine(host.StatePath, VersionHistory.FileName));
                foreach (var entry in registry.Entries)
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
                BookkeepingFailed(null, host.Versions.LastError!, now);
                break;
        }

        return host.Versions.RetryWait(now);
    }

    private void BookkeepingFailed(PluginEntry? entry, Exception error, DateTimeOffset now)
    {
        var wait = host.Versions.RetryWait(now) ?? TimeSpan.Zero;
        var message = $"{PackageErrors.BookkeepingWriteFailed}: {Path.Combine(host.StatePath, VersionHistory.FileName)} could not be written ({error.Message}); the versions run are kept in memory, and the write is tried again in {wait.TotalSeconds:0.#} s.";
        Log.BookkeepingFailed(host.Logger, message, error);
        if (entry is not null)
        {
            lock (entry.Sync)
            {
                entry.LastError = message;
            }
        }
    }
}
