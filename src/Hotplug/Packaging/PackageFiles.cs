namespace Hotplug.Packaging;

/// <summary>
/// Reads the files of a package that nobody has verified yet (a plugins folder anyone may write to), without letting
/// them cost the host more than a package may: a bounded number of bytes, and never a file that is not a regular
/// file with content. A FIFO, a device or a file in <c>/proc</c> reports a length of 0 yet would block the reader
/// forever or never end, so a file of length 0 is never opened.
/// </summary>
internal static class PackageFiles
{
    /// <summary>The largest <c>plugin.json</c> a host or tool reads: far beyond any real manifest, even one that lists thousands of files.</summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    /// <summary>The largest <c>plugin.sig</c> read: a signature file is a few hundred bytes.</summary>
    public const int MaxSignatureBytes = 64 * 1024;

    /// <summary>Reads a small file of a package whole.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The most it may hold.</param>
    /// <param name="invalid">Makes the error for a file that is empty (or not a regular file), or larger than <paramref name="maxBytes"/>; given what is wrong.</param>
    /// <returns>Its bytes.</returns>
    /// <exception cref="IOException">It cannot be read.</exception>
    public static byte[] ReadSmall(string path, int maxBytes, Func<string, Exception> invalid)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path} does not exist.", path);
        }

        if (info.Length == 0)
        {
            throw invalid("is empty (or not a regular file)");
        }

        if (info.Length > maxBytes)
        {
            throw invalid($"is {info.Length:N0} bytes, more than the {maxBytes:N0} a host reads");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var bytes = new byte[info.Length];
        stream.ReadExactly(bytes);
        if (stream.ReadByte() != -1)
        {
            throw invalid("grew while it was read");
        }

        return bytes;
    }

    /// <summary>
    /// Copies a package folder, after checking it is within the limits a zipped package has: at most
    /// <paramref name="limits"/>' file count and total size, counted from the listing before anything is copied.
    /// Files of length 0 are created empty, never opened (see the type's remarks).
    /// </summary>
    /// <exception cref="PackageVerificationException"><see cref="PackageErrors.TooManyFiles"/> or <see cref="PackageErrors.ZipTooLarge"/>.</exception>
    public static void CopyFolder(string source, string destination, ZipLimits limits)
    {
        var files = Discovery.FolderFingerprint.EnumerateFiles(source).Select(f => new FileInfo(f)).ToList();
        if (files.Count > limits.MaxEntries)
        {
            throw new PackageVerificationException(PackageErrors.TooManyFiles, $"{source} has {files.Count:N0} files, more than the host's MaxPackageFiles ({limits.MaxEntries:N0}); nothing was copied.");
        }

        var total = files.Sum(f => f.Length);
        if (total > limits.MaxBytes)
        {
            throw new PackageVerificationException(PackageErrors.ZipTooLarge, $"{source} holds {total:N0} bytes, more than the host's MaxPackageSize ({limits.MaxBytes:N0}); nothing was copied.");
        }

        Directory.CreateDirectory(destination);
        foreach (var file in files)
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file.FullName));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (file.Length == 0)
            {
                File.Create(target).Dispose();
            }
            else
            {
                File.Copy(file.FullName, target);
            }
        }
    }
}
