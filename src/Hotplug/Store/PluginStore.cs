using System.Security.Cryptography;
using System.Text;
using Hotplug.Discovery;
using Hotplug.Manifest;

namespace Hotplug.Store;

/// <summary>A plugin version copied into the store.</summary>
/// <param name="Path">The store folder, <c>&lt;state&gt;/store/&lt;id&gt;/&lt;version&gt;-&lt;hash prefix&gt;</c>.</param>
/// <param name="ContentHash">SHA-256 over every file's relative path and content, hex.</param>
internal sealed record StagedPackage(string Path, string ContentHash);

/// <summary>
/// The immutable, content-addressed store plugins run from. A version is copied in once and never written
/// after, so the source folder is never locked and can be overwritten in place to ship the next version.
/// </summary>
internal sealed class PluginStore
{
    private const int HashPrefixLength = 12;

    public PluginStore(string root)
    {
        Root = root;
    }

    public string Root { get; }

    /// <summary>
    /// Copies <paramref name="sourceFolder"/> into the store and hashes the copy. Returns <see langword="null"/>
    /// when the source changed while it was being copied (the caller tries again on a later pass).
    /// </summary>
    public StagedPackage? Stage(string sourceFolder, PluginManifest manifest, FolderFingerprint expected)
    {
        var idFolder = Path.Combine(Root, manifest.Id);
        Directory.CreateDirectory(idFolder);
        var temp = Path.Combine(idFolder, $".staging-{Guid.NewGuid():N}");
        try
        {
            CopyFolder(sourceFolder, temp);
            if (FolderFingerprint.TryTake(sourceFolder) != expected)
            {
                return null;
            }

            var hash = HashFolder(temp);
            var final = Path.Combine(idFolder, $"{SafeVersion(manifest.VersionText)}-{hash[..HashPrefixLength]}");
            if (Directory.Exists(final))
            {
                // Same content already staged (an earlier run, or a rollback): the store never rewrites a version.
                return new StagedPackage(final, hash);
            }

            try
            {
                Directory.Move(temp, final);
            }
            catch (IOException) when (Directory.Exists(final))
            {
                // Another pass staged the same content first.
            }

            return new StagedPackage(final, hash);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                TryDelete(temp);
            }
        }
    }

    public static string HashFolder(string folder)
    {
        using var total = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> fileHash = stackalloc byte[32];
        foreach (var file in FolderFingerprint.EnumerateFiles(folder))
        {
            var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            total.AppendData(Encoding.UTF8.GetBytes(relative));
            total.AppendData([0]);
            using (var stream = File.OpenRead(file))
            {
                SHA256.HashData(stream, fileHash);
            }

            total.AppendData(fileHash);
        }

        return Convert.ToHexStringLower(total.GetHashAndReset());
    }

    private static void CopyFolder(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in FolderFingerprint.EnumerateFiles(source))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static string SafeVersion(string version) =>
        string.Concat(version.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_'));

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next start to clean; staging folders are never loaded from.
        }
    }
}
