using System.IO.Compression;

namespace Hotplug.Packaging;

/// <summary>
/// Extracts a zipped package into a folder of the store, refusing anything that could write outside it or
/// fill the disk: every entry name is checked before anything is written, and the bytes written are counted.
/// </summary>
internal static class SafeZip
{
    public static void Extract(string zipPath, string destination, long maxBytes)
    {
        var root = Path.GetFullPath(destination) + Path.DirectorySeparatorChar;
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(zipPath);
        }
        catch (InvalidDataException ex)
        {
            throw new PackageVerificationException(PackageErrors.ZipCorrupt, $"{zipPath} is not a readable zip: {ex.Message}");
        }

        using (archive)
        {
            var targets = Plan(archive, zipPath, root, maxBytes);
            Directory.CreateDirectory(root);
            long written = 0;
            foreach (var (entry, target) in targets)
            {
                if (target is null)
                {
                    continue;
                }

                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                try
                {
                    using var input = entry.Open();
                    using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
                    var buffer = new byte[81920];
                    int read;
                    while ((read = input.Read(buffer)) > 0)
                    {
                        // Declared sizes can lie: count what really comes out.
                        written += read;
                        if (written > maxBytes)
                        {
                            throw TooLarge(zipPath, maxBytes);
                        }

                        output.Write(buffer, 0, read);
                    }
                }
                catch (InvalidDataException ex)
                {
                    throw new PackageVerificationException(PackageErrors.ZipCorrupt, $"{zipPath} entry '{entry.FullName}' cannot be read: {ex.Message}");
                }
            }
        }
    }

    /// <summary>Reads one entry (the manifest) from a zip without extracting it.</summary>
    public static byte[]? ReadEntry(string zipPath, string name, long maxBytes)
    {
        try
        {
            using var archive = ZipFile.OpenRead(zipPath);
            var entry = archive.GetEntry(name);
            if (entry is null)
            {
                return null;
            }

            if (entry.Length > maxBytes)
            {
                throw TooLarge(zipPath, maxBytes);
            }

            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new PackageVerificationException(PackageErrors.ZipCorrupt, $"{zipPath} is not a readable zip: {ex.Message}");
        }
    }

    /// <summary>Whether a zip has an entry, for a quick look before staging.</summary>
    public static bool HasEntry(string zipPath, string name)
    {
        try
        {
            using var archive = ZipFile.OpenRead(zipPath);
            return archive.GetEntry(name) is not null;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static List<(ZipArchiveEntry Entry, string? Target)> Plan(ZipArchive archive, string zipPath, string root, long maxBytes)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var plan = new List<(ZipArchiveEntry, string?)>();
        long declared = 0;
        foreach (var entry in archive.Entries)
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

            declared += entry.Length;
            if (declared > maxBytes)
            {
                throw TooLarge(zipPath, maxBytes);
            }

            var isFolder = name.EndsWith('/');
            var target = isFolder ? null : Path.GetFullPath(Path.Combine(root, name));
            if (target is not null && !target.StartsWith(root, StringComparison.Ordinal))
            {
                throw new PackageVerificationException(PackageErrors.ZipTraversal, $"{zipPath} entry '{entry.FullName}' would be written outside the package.");
            }

            plan.Add((entry, target));
        }

        return plan;
    }

    private static PackageVerificationException TooLarge(string zipPath, long maxBytes) =>
        new(PackageErrors.ZipTooLarge, $"{zipPath} expands to more than {maxBytes} bytes, the host's MaxPackageSize.");
}
