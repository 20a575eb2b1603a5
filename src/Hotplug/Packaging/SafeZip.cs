using System.IO.Compression;
using Hotplug.Manifest;

namespace Hotplug.Packaging;

/// <summary>How much a zipped package may hold.</summary>
/// <param name="MaxBytes">How many bytes it may expand to.</param>
/// <param name="MaxEntries">How many entries it may have.</param>
internal readonly record struct ZipLimits(long MaxBytes, int MaxEntries);

/// <summary>
/// Extracts a zipped package into a folder of the store, refusing anything that could write outside it, fill
/// the disk or make the host work for nothing. In this order, before a byte is written: the entry count is
/// capped; every entry name is checked; <c>plugin.json</c> and <c>plugin.sig</c> are read from inside the zip
/// and verified (signature, trust, pins); every other entry must be a file the verified manifest lists, with
/// the size it lists. Only then are the listed files extracted, and the bytes that really come out are counted.
/// </summary>
internal static class SafeZip
{
    /// <summary>Verifies the zip's manifest and signature and extracts the files the manifest lists.</summary>
    /// <param name="zipPath">The zip.</param>
    /// <param name="destination">The folder to extract into (a staging folder of the store).</param>
    /// <param name="limits">The size and entry limits.</param>
    /// <param name="verify">Verifies <c>plugin.json</c>'s bytes and <c>plugin.sig</c>'s (or <see langword="null"/>).</param>
    /// <returns>What <paramref name="verify"/> returned.</returns>
    /// <exception cref="PackageVerificationException">The zip is rejected.</exception>
    /// <exception cref="PluginManifestException">The zip has no manifest, or an invalid one.</exception>
    public static VerifiedPackage Extract(string zipPath, string destination, ZipLimits limits, Func<byte[], byte[]?, VerifiedPackage> verify)
    {
        using var archive = Open(zipPath);
        var plan = Plan(archive, zipPath, Path.GetFullPath(destination) + Path.DirectorySeparatorChar, limits.MaxEntries);
        var manifestBytes = Read(plan, PluginManifest.FileName, zipPath, limits.MaxBytes)
            ?? throw new PluginManifestException(ManifestErrors.Unreadable, $"{zipPath}!/{PluginManifest.FileName}", null, "is missing: a zipped package has plugin.json at its root.", null);
        var signatureBytes = Read(plan, PackageSignature.FileName, zipPath, limits.MaxBytes);
        var verified = verify(manifestBytes, signatureBytes);
        var payload = Select(plan, verified.Manifest, zipPath, limits.MaxBytes);

        Directory.CreateDirectory(destination);
        File.WriteAllBytes(Path.Combine(destination, PluginManifest.FileName), manifestBytes);
        if (signatureBytes is not null)
        {
            File.WriteAllBytes(Path.Combine(destination, PackageSignature.FileName), signatureBytes);
        }

        long written = manifestBytes.Length + (signatureBytes?.Length ?? 0);
        var buffer = new byte[81920];
        foreach (var (entry, target) in payload)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            try
            {
                using var input = entry.Open();
                using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
                int read;
                while ((read = input.Read(buffer)) > 0)
                {
                    // Declared sizes can lie: count what really comes out.
                    written += read;
                    if (written > limits.MaxBytes)
                    {
                        throw TooLarge(zipPath, limits.MaxBytes);
                    }

                    output.Write(buffer, 0, read);
                }
            }
            catch (InvalidDataException ex)
            {
                throw new PackageVerificationException(PackageErrors.ZipCorrupt, $"{zipPath} entry '{entry.FullName}' cannot be read: {ex.Message}");
            }
        }

        return verified;
    }

    /// <summary>Reads one entry (the manifest) from a zip without extracting anything, bounded by what really comes out.</summary>
    public static byte[]? ReadEntry(string zipPath, string name, long maxBytes)
    {
        using var archive = Open(zipPath);
        ZipArchiveEntry? entry;
        try
        {
            entry = archive.GetEntry(name);
        }
        catch (InvalidDataException ex)
        {
            throw new PackageVerificationException(PackageErrors.ZipCorrupt, $"{zipPath} is not a readable zip: {ex.Message}");
        }

        return entry is null ? null : Read(entry, zipPath, maxBytes);
    }

    private static ZipArchive Open(string zipPath)
    {
        try
        {
            return ZipFile.OpenRead(zipPath);
        }
        catch (InvalidDataException ex)
        {
            throw new PackageVerificationException(PackageErrors.ZipCorrupt, $"{zipPath} is not a readable zip: {ex.Message}");
        }
    }

    /// <summary>Checks the entry count and every entry's name; returns each file entry by its name.</summary>
    private static Dictionary<string, (ZipArchiveEntry Entry, string Target)> Plan(ZipArchive archive, string zipPath, string root, int maxEntries)
    {
        IReadOnlyCollection<ZipArchiveEntry> entries;
        try
        {
            entries = archive.Entries;
        }
        catch (InvalidDataException ex)
        {
            throw new PackageVerificationException(PackageErrors.ZipCorrupt, $"{zipPath} is not a readable zip: {ex.Message}");
        }

        if (entries.Count > maxEntries)
        {
            throw new PackageVerificationException(PackageErrors.TooManyFiles, $"{zipPath} has {entries.Count} entries, more than the host's MaxPackageFiles of {maxEntries}; nothing was extracted.");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var files = new Dictionary<string, (ZipArchiveEntry, string)>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var name = entry.FullName.Replace('\\', '/');
            if (name.StartsWith('/') || (name.Length > 1 && name[1] == ':') || Path.IsPathRooted(name))
            {
                throw new PackageVerificationException(PackageErrors.ZipAbsolutePath, $"{zipPath} entry '{entry.FullName}' has an absolute path; package entries are relative to the package root.");
            }

            if (name.Split('/').Any(s => s == ".."))
            {
                throw new PackageVerificationException(PackageErrors.ZipTraversal, $"{zipPath} entry '{entry.FullName}' climbs out of the package with '..'.");
            }

            if (!names.Add(name.TrimEnd('/')))
            {
                throw new PackageVerificationException(PackageErrors.ZipDuplicateEntry, $"{zipPath} has two entries named '{entry.FullName}'; which one is meant cannot be known.");
            }

            if (name.EndsWith('/'))
            {
                continue;
            }

            var target = Path.GetFullPath(Path.Combine(root, name));
            if (!target.StartsWith(root, StringComparison.Ordinal))
            {
                throw new PackageVerificationException(PackageErrors.ZipTraversal, $"{zipPath} entry '{entry.FullName}' would be written outside the package.");
            }

            files.Add(name, (entry, target));
        }

        return files;
    }

    /// <summary>Reads one entry into memory, bounded by what really comes out.</summary>
    private static byte[]? Read(Dictionary<string, (ZipArchiveEntry Entry, string Target)> plan, string name, string zipPath, long maxBytes)
    {
        return plan.TryGetValue(name, out var file) ? Read(file.Entry, zipPath, maxBytes) : null;
    }

    private static byte[] Read(ZipArchiveEntry entry, string zipPath, long maxBytes)
    {
        try
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw TooLarge(zipPath, maxBytes);
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new PackageVerificationException(PackageErrors.ZipCorrupt, $"{zipPath} entry '{entry.FullName}' cannot be read: {ex.Message}");
        }
    }

    /// <summary>
    /// The entries to extract: those the verified manifest lists, each with the size it lists. An entry it does
    /// not list is a rejection, as a file in a folder would be. A manifest with no file list (an unsigned
    /// package in development mode) has nothing to check against: every entry is extracted.
    /// </summary>
    private static List<(ZipArchiveEntry Entry, string Target)> Select(Dictionary<string, (ZipArchiveEntry Entry, string Target)> plan, PluginManifest manifest, string zipPath, long maxBytes)
    {
        var listed = manifest.Files?.ToDictionary(f => f.Path, f => f.Size, StringComparer.Ordinal);
        var payload = new List<(ZipArchiveEntry, string)>();
        long declared = 0;
        foreach (var (name, file) in plan.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (name is PluginManifest.FileName or PackageSignature.FileName)
            {
                continue;
            }

            long size = file.Entry.Length;
            if (listed is not null && !listed.TryGetValue(name, out size))
            {
                throw new PackageVerificationException(PackageErrors.UnlistedFile, $"plugin '{manifest.Id}' contains '{name}', which plugin.json does not list: a file was added after the package was built. Nothing was extracted from {zipPath}.", manifest.Id, manifest.VersionText);
            }

            if (file.Entry.Length != size)
            {
                throw new PackageVerificationException(PackageErrors.SizeMismatch, $"plugin '{manifest.Id}' file '{name}' is {file.Entry.Length} bytes in {zipPath}; plugin.json says {size}.", manifest.Id, manifest.VersionText);
            }

            declared += file.Entry.Length;
            if (declared > maxBytes)
            {
                throw TooLarge(zipPath, maxBytes);
            }

            payload.Add(file);
        }

        return payload;
    }

    private static PackageVerificationException TooLarge(string zipPath, long maxBytes) =>
        new(PackageErrors.ZipTooLarge, $"{zipPath} expands to more than {maxBytes} bytes, the host's MaxPackageSize.");
}
