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
/// <param name="MaxPackageFiles">How many files (zip entries) a package may hold.</param>
/// <param name="Runtimes">The host's runtimes, which validate manifests' entries.</param>
internal sealed record VerificationPolicy(TrustStore Trust, bool RequireSignature, long MaxPackageSize, int MaxPackageFiles, IReadOnlyDictionary<string, Runtimes.IPluginRuntime>? Runtimes = null);

/// <summary>
/// The immutable, content-addressed store plugins run from. A version is copied in once, verified there —
/// never in the source, which could change after the check — and never written after, so the source is
/// never locked and can be overwritten in place to ship the next version. A store copy is checked again
/// before every load (<see cref="Check"/>): a copy changed in the store is never run.
/// </summary>
internal sealed partial class PluginStore
{
    /// <summary>The prefix of the folders a version is copied into before it is verified and moved into place.</summary>
    public const string StagingPrefix = ".staging-";

    private const int HashPrefixLength = 12;

    public PluginStore(string root)
    {
        Root = root;
    }

    public string Root { get; }

    /// <summary>
    /// Copies (or, for a zip, safely extracts) <paramref name="source"/> into the store, verifies the copy, and
    /// moves it to its final folder. Returns <see langword="null"/> when the source changed while it was being
    /// copied (the caller tries again once it is stable). When the final folder already exists (the same content
    /// staged before), it is returned as it is: <see cref="Check"/> verifies it before it is loaded.
    /// </summary>
    /// <exception cref="PackageVerificationException">The package is rejected.</exception>
    /// <exception cref="PluginManifestException">The copy's manifest is invalid.</exception>
    /// <exception cref="StoreWriteException">The store could not be written.</exception>
    public (StagedPackage Package, PluginManifest Manifest)? Stage(string source, FolderFingerprint expected, VerificationPolicy policy)
    {
        var isZip = File.Exists(source);
        var display = isZip ? $"{source}!/{PluginManifest.FileName}" : System.IO.Path.Combine(source, PluginManifest.FileName);
        if (!isZip && expected.FileCount > policy.MaxPackageFiles)
        {
            throw new PackageVerificationException(PackageErrors.TooManyFiles, $"{source} holds {expected.FileCount} files, more than the host's MaxPackageFiles of {policy.MaxPackageFiles}; nothing was copied.");
        }

        var temp = System.IO.Path.Combine(Root, StagingPrefix + Guid.NewGuid().ToString("N"));
        PluginManifest? manifest = null;
        try
        {
            Directory.CreateDirectory(Root);
            if (isZip)
            {
                var limits = new ZipLimits(policy.MaxPackageSize, policy.MaxPackageFiles);
                SafeZip.Extract(source, temp, limits, (bytes, signature) =>
                    PackageVerifier.VerifyManifest(bytes, signature, policy.Trust, policy.RequireSignature, display, policy.Runtimes));
            }
            else
            {
                PackageVerifier.RejectLinks(source);
                PackageFiles.CopyFolder(source, temp, new ZipLimits(policy.MaxPackageSize, policy.MaxPackageFiles));
            }

            if (FolderFingerprint.TryTake(source) != expected)
            {
                return null;
            }

            var verified = PackageVerifier.Verify(temp, policy.Trust, policy.RequireSignature, display, policy.Runtimes);
            manifest = verified.Manifest;
            PackageVerifier.CheckEntryPresent(temp, manifest, display);

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
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A source that changed (or went away) under the copy is looked at again once stable; anything
            // else is the store's own failure, which is tried again.
            if (FolderFingerprint.TryTake(source) != expected)
            {
                return null;
            }

            throw new StoreWriteException($"{source} could not be copied into the store {Root}: {ex.Message}", manifest?.Id, manifest?.VersionText, ex);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                TryDelete(temp);
            }
        }
    }

    /// <summary>
    /// Verifies a store copy right before it is loaded: no links, and the same content (every file's path and
    /// bytes) as when it was verified and staged. Anything else is a rejection: the store was written to.
    /// </summary>
    /// <exception cref="PackageVerificationException"><see cref="PackageErrors.StoreCopyChanged"/>: the copy changed.</exception>
    /// <exception cref="DirectoryNotFoundException">The copy is gone (it is staged again from its source).</exception>
    public static void Check(StagedPackage package, PluginManifest manifest, VerificationPolicy policy)
    {
        if (!Directory.Exists(package.Path))
        {
            throw new DirectoryNotFoundException($"The store copy {package.Path} is gone.");
        }

        string? difference = null;
        try
        {
            PackageVerifier.RejectLinks(package.Path);
            if (HashFolder(package.Path) != package.ContentHash)
            {
                // Say what changed in the publisher's terms (HP1010-HP1013), when the file list tells.
                PackageVerifier.Verify(package.Path, policy.Trust, policy.RequireSignature, manifest.Path, policy.Runtimes);
                difference = "its files are not the ones that were verified";
            }
        }
        catch (PluginException ex) when (ex is PackageVerificationException or PluginManifestException)
        {
            difference = ex.Message;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            difference = $"it cannot be read: {ex.Message}";
        }

        if (difference is not null)
        {
            throw new PackageVerificationException(
                PackageErrors.StoreCopyChanged,
                $"the store copy {package.Path} of plugin '{manifest.Id}' {manifest.VersionText} was changed after it was verified ({difference}); nothing runs from it. Something other than the host wrote to the store: find out what, then delete that folder and the host stages the package again from its source.",
                manifest.Id,
                manifest.VersionText);
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
