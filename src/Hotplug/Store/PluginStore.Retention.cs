namespace Hotplug.Store;

/// <summary>What the store leaves behind and what it keeps: leftovers of a killed host, and old versions.</summary>
internal sealed partial class PluginStore
{
    /// <summary>The prefix of a version folder being deleted: moved aside first, so it is never half there.</summary>
    public const string CollectingPrefix = ".collecting-";

    /// <summary>
    /// Deletes the staging and collecting folders a host killed mid-copy or mid-delete left. Call it only while
    /// holding the state folder's lock: another host's staging folders are not leftovers.
    /// </summary>
    /// <returns>The folders deleted.</returns>
    public IReadOnlyList<string> RemoveLeftovers()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var folder in Directory.EnumerateDirectories(Root))
        {
            var name = Path.GetFileName(folder);
            if (name.StartsWith(StagingPrefix, StringComparison.Ordinal) || name.StartsWith(CollectingPrefix, StringComparison.Ordinal))
            {
                TryDelete(folder);
                if (!Directory.Exists(folder))
                {
                    removed.Add(folder);
                }
            }
        }

        return removed;
    }

    /// <summary>Marks a store copy as the one that became active now: retention keeps the most recently active.</summary>
    public static void MarkActive(StagedPackage package, DateTimeOffset now)
    {
        try
        {
            // The folder's own write time, not its files': the content, and so its hash, is untouched.
            Directory.SetLastWriteTimeUtc(package.Path, now.UtcDateTime);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Retention then orders this version by when it was staged: it may be collected sooner, never wrongly.
        }
    }

    /// <summary>
    /// Deletes the version folders no one needs: for each plugin, every folder but those in
    /// <paramref name="keep"/> and the <paramref name="retain"/> most recently active others. The caller makes
    /// sure nothing is being staged while it runs.
    /// </summary>
    /// <param name="keep">The store folders in use (running, starting, draining, described by a plugin folder).</param>
    /// <param name="retain">How many other versions of each plugin to keep.</param>
    /// <returns>The folders deleted.</returns>
    public IReadOnlyList<string> Collect(IReadOnlySet<string> keep, int retain)
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var idFolder in Directory.EnumerateDirectories(Root).Where(d => !Path.GetFileName(d).StartsWith('.')))
        {
            var candidates = Directory.EnumerateDirectories(idFolder)
                .Where(v => !keep.Contains(v))
                .Select(v => new DirectoryInfo(v))
                .OrderByDescending(v => v.LastWriteTimeUtc)
                .ThenByDescending(v => v.Name, StringComparer.Ordinal)
                .Skip(retain)
                .ToList();
            foreach (var version in candidates)
            {
                // Moved aside in one step, then deleted: a host killed half-way leaves a leftover, never a
                // half-deleted version that a later stage would take for the real one.
                var aside = Path.Combine(Root, CollectingPrefix + Guid.NewGuid().ToString("N"));
                try
                {
                    Directory.Move(version.FullName, aside);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    continue;
                }

                removed.Add(version.FullName);
                TryDelete(aside);
            }

            if (!Directory.EnumerateFileSystemEntries(idFolder).Any())
            {
                try
                {
                    Directory.Delete(idFolder);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Empty and harmless; tried again at the next collection.
                }
            }
        }

        return removed;
    }
}
