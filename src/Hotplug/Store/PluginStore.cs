using System.Security.Cryptography;
using System.Text;
using Hotplug.Discovery;
using Hotplug.Manifest;
using Hotplug.Packaging;

namespace Hotplug.Store;

/// <summary>A plugin version copied into the store and verified there.</summary>
/// <param name="Path">The store folder, <c>&lt;state&gt;/store/&lt;id&gt;/&lt;version&gt;-&lt;hash prefix&gt;</c>.</param>
/// <param name="ContentHash">SHA-256 over every file's relative path and content, hex.</param>
/// <param name="SignerKeyId">The key that signed it, or <see langword="null"/> when it is unsigned (development mode).</param>
internal sealed record StagedPackage(string Path, string ContentHash, string? SignerKeyId = null);

/// <summary>How the store verifies what it stages.</summary>
/// <param name="Trust">The trusted keys.</param>
/// <param name="RequireSignature">Whether unsigned packages are rejected.</param>
/// <param name="MaxPackageSize">How many bytes a zipped package may expand to.</param>
/// <param name="Runtimes">The host's runtimes, which validate manifests' entries.</param>
internal sealed record VerificationPolicy(TrustStore Trust, bool RequireSignature, long MaxPackageSize, IReadOnlyDictionary<string, Runtimes.IPluginRuntime>? Runtimes = null);

/// <summary>
/// The immutable, content-addressed store plugins run from. A version is copied in once, verified there —
/// never in the source, which could change after the check — and never written after, so the source is
/// never locked and can be overwritten in place to ship the next version.
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
    /// Copies (or, for a zip, safely extracts) <paramref name="source"/> into the store, verifies the copy, and
    /// moves it to its final folder. Returns <see langword="null"/> when the source changed while it was being
    /// copied (the caller tries again on a later pass).
    /// </summary>
    /// <exception cref="PackageVerificationException">The package is rejected.</exception>
    /// <exception cref="PluginManifestException">The copy's manifest is invalid.</exception>
    public (StagedPackage Package, PluginManifest Manifest)? Stage(string source, FolderFingerprint expected, string manifestDisplayPath, VerificationPolicy policy)
    {
        Directory.CreateDirectory(Root);
        var temp = System.IO.Path.Combine(Root, $".staging-{Guid.NewGuid():N}");
        try
        {
            if (Directory.Exists(source))
            {
                PackageVerifier.RejectLinks(source);
                CopyFolder(source, temp);
            }
            else
            {
                SafeZip.Extract(source, temp, policy.MaxPackageSize);
            }

            if (FolderFingerprint.TryTake(source) != expected)
            {
                return null;
            }

            var verified = PackageVerifier.Verify(temp, policy.Trust, policy.RequireSignature, manifestDisplayPath, policy.Runtimes);
            var manifest = verified.Manifest;
            var hash = HashFolder(temp);
            var idFolder = System.IO.Path.Combine(Root, manifest.Id);
            Directory.CreateDirectory(idFolder);
            var final = System.IO.Path.Combine(idFolder, $"{SafeVersion(manifest.VersionText)}-{hash[..HashPrefixLength]}");
            if (!Directory.Exists(final))
            {
                try
                {
                    Directory.Move(temp, final);
                }
                catch (IOException) when (Directory.Exists(final))
                {
                    // Another pass staged the same content first; the store never rewrites a version.
                }
            }

            return (new StagedPackage(final, hash, verified.SignerKeyId), manifest);
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
