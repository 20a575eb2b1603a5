using System.Security.Cryptography;
using Hotplug.Manifest;

namespace Hotplug.Packaging;

/// <summary>The outcome of verifying a package: its manifest, read from the verified bytes, and who signed it.</summary>
/// <param name="Manifest">The manifest.</param>
/// <param name="SignerKeyId">The signing key's id, or <see langword="null"/> for an unsigned package allowed in development mode.</param>
internal sealed record VerifiedPackage(PluginManifest Manifest, string? SignerKeyId);

/// <summary>
/// Verifies a package folder: no links, a signature by a trusted, pinned, unrevoked key over the exact bytes
/// of <c>plugin.json</c>, and exactly the files it lists, each with its size and SHA-256.
/// </summary>
internal static class PackageVerifier
{
    /// <summary>Verifies the package in <paramref name="folder"/>.</summary>
    /// <param name="folder">The package (in the host, always the store's own copy).</param>
    /// <param name="trust">The trusted keys.</param>
    /// <param name="requireSignature">Whether an unsigned package is rejected.</param>
    /// <param name="displayPath">The manifest path to name in errors (the source's, not the copy's).</param>
    /// <param name="runtimes">The host's runtimes, which validate the manifest's entry; <see langword="null"/> for tools.</param>
    /// <exception cref="PackageVerificationException">The package is not what its publisher signed.</exception>
    /// <exception cref="PluginManifestException">The manifest is invalid.</exception>
    public static VerifiedPackage Verify(string folder, TrustStore trust, bool requireSignature, string? displayPath = null, IReadOnlyDictionary<string, Runtimes.IPluginRuntime>? runtimes = null)
    {
        var manifestPath = Path.Combine(folder, PluginManifest.FileName);
        displayPath ??= manifestPath;
        RejectLinks(folder);
        if (!File.Exists(manifestPath))
        {
            throw new PluginManifestException(ManifestErrors.Unreadable, displayPath, null, "is missing: a package has plugin.json at its root.", null);
        }

        var bytes = PackageFiles.ReadSmall(manifestPath, PackageFiles.MaxManifestBytes, problem => new PluginManifestException(ManifestErrors.Unreadable, displayPath, null, problem + ".", null));
        var signaturePath = Path.Combine(folder, PackageSignature.FileName);
        var signature = File.Exists(signaturePath)
            ? PackageFiles.ReadSmall(signaturePath, PackageFiles.MaxSignatureBytes, problem => new PackageVerificationException(PackageErrors.MalformedSignature, $"{PackageSignature.FileName} of {displayPath} {problem}."))
            : null;
        var verified = VerifyManifest(bytes, signature, trust, requireSignature, displayPath, runtimes);
        if (verified.Manifest.Files is not null)
        {
            CheckFiles(folder, verified.Manifest);
        }

        return verified;
    }

    /// <summary>
    /// Checks that the files the manifest's entry names (the entry assembly, the executable) are in the package, as a
    /// host does before it stages it; a disabled plugin needs none.
    /// </summary>
    /// <param name="folder">The package folder.</param>
    /// <param name="manifest">Its manifest, read with the runtimes that name the entry's files.</param>
    /// <param name="displayPath">The manifest path to name in the error.</param>
    /// <exception cref="PluginManifestException"><see cref="ManifestErrors.BadEntry"/>, naming the missing file.</exception>
    public static void CheckEntryPresent(string folder, PluginManifest manifest, string displayPath)
    {
        if (manifest.Enabled && manifest.EntryFiles.FirstOrDefault(f => !File.Exists(Path.Combine(folder, f))) is { } missing)
        {
            throw EntryMissing(missing, manifest, displayPath);
        }
    }

    /// <summary>The error for an entry file that is not in the package.</summary>
    public static PluginManifestException EntryMissing(string missing, PluginManifest manifest, string displayPath) =>
        new(ManifestErrors.BadEntry, displayPath, "entry", $"'{missing}' is not in the plugin folder: name a file the package holds (the entry assembly, or a process plugin's executable).", manifest.Id);

    /// <summary>
    /// Verifies a manifest's bytes and its signature, before anything else of the package is looked at: the
    /// signature, the key's trust and pins, and that a signed (or required-signed) manifest lists its files.
    /// </summary>
    /// <param name="manifestBytes">The exact bytes of <c>plugin.json</c>.</param>
    /// <param name="signatureBytes">The bytes of <c>plugin.sig</c>, or <see langword="null"/> when there is none.</param>
    /// <param name="trust">The trusted keys.</param>
    /// <param name="requireSignature">Whether an unsigned package is rejected.</param>
    /// <param name="displayPath">The manifest path to name in errors.</param>
    /// <param name="runtimes">The host's runtimes, which validate the manifest's entry; <see langword="null"/> for tools.</param>
    /// <returns>The manifest and its signer; the files it lists are not checked.</returns>
    /// <exception cref="PackageVerificationException">The manifest is not what its publisher signed.</exception>
    /// <exception cref="PluginManifestException">The manifest is invalid.</exception>
    public static VerifiedPackage VerifyManifest(byte[] manifestBytes, byte[]? signatureBytes, TrustStore trust, bool requireSignature, string displayPath, IReadOnlyDictionary<string, Runtimes.IPluginRuntime>? runtimes = null)
    {
        // The signature covers the exact bytes of plugin.json: check it before trusting anything they say.
        PackageSignature? signature = null;
        if (signatureBytes is not null)
        {
            try
            {
                signature = PackageSignature.Parse(signatureBytes, Path.Combine(Path.GetDirectoryName(displayPath)!, PackageSignature.FileName));
                trust.VerifySignature(manifestBytes, signature, displayPath);
            }
            catch (PackageVerificationException ex) when (ex.PluginId is null)
            {
                // Named by what the package claims to be (unverified, and used for nothing else), so the
                // rejection is on record against the plugin it would have replaced.
                var (id, version) = Claimed(manifestBytes, displayPath);
                throw ex.Naming(id, version);
            }
        }

        var manifest = ManifestReader.Parse(displayPath, manifestBytes, runtimes) with { Path = displayPath };
        if (signature is not null)
        {
            trust.CheckPinned(manifest.Id, manifest.VersionText, signature.KeyId);
        }
        else if (requireSignature)
        {
            throw new PackageVerificationException(PackageErrors.Unsigned, $"plugin '{manifest.Id}' {manifest.VersionText} has no plugin.sig and this host runs only signed packages: build it with `hotplug pack <folder> --key <name>.key` (it lists every file in plugin.json and signs it), and give the host the key's .pub in its trust folder (HotplugOptions.TrustPath, by default <state>/trust). While developing only, a host can load unsigned packages: HotplugOptions.RequireSignedPackages = false (for `hotplug run`, --allow-unsigned).", manifest.Id, manifest.VersionText);
        }

        var signer = signature?.KeyId;
        if (manifest.Files is null && (signer is not null || requireSignature))
        {
            throw new PackageVerificationException(PackageErrors.NoFileList, $"plugin '{manifest.Id}' lists no files in plugin.json, so a signature would cover nothing but the manifest: build the package with `hotplug pack`.", manifest.Id, manifest.VersionText);
        }

        return new VerifiedPackage(manifest, signer);
    }

    /// <summary>The id and version a manifest claims (valid ones only, and unverified), or nulls.</summary>
    private static (string? Id, string? Version) Claimed(byte[] manifestBytes, string displayPath)
    {
        try
        {
            var claimed = ManifestReader.Parse(displayPath, manifestBytes);
            return (claimed.Id, claimed.VersionText);
        }
        catch (Exception)
        {
            // Whatever is wrong with it is reported once the signature is good; here it only goes unnamed.
            return (null, null);
        }
    }

    private static void CheckFiles(string folder, PluginManifest manifest)
    {
        var listed = manifest.Files!.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var present = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Where(f => f is not PluginManifest.FileName and not PackageSignature.FileName)
            .ToHashSet(StringComparer.Ordinal);

        var unlisted = present.Where(p => !listed.ContainsKey(p)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (unlisted is not null)
        {
            throw new PackageVerificationException(PackageErrors.UnlistedFile, $"plugin '{manifest.Id}' contains '{unlisted}', which plugin.json does not list: a file was added after the package was built.", manifest.Id, manifest.VersionText);
        }

        Span<byte> hash = stackalloc byte[32];
        foreach (var file in manifest.Files!)
        {
            if (!present.Contains(file.Path))
            {
                throw new PackageVerificationException(PackageErrors.MissingFile, $"plugin '{manifest.Id}' lists '{file.Path}' in plugin.json, but the package does not contain it.", manifest.Id, manifest.VersionText);
            }

            var full = Path.Combine(folder, file.Path);
            var length = new FileInfo(full).Length;
            if (length != file.Size)
            {
                throw new PackageVerificationException(PackageErrors.SizeMismatch, $"plugin '{manifest.Id}' file '{file.Path}' is {length} bytes; plugin.json says {file.Size}.", manifest.Id, manifest.VersionText);
            }

            // Not opened when empty: a FIFO or device in a folder being verified would block (see PackageFiles).
            using (var stream = length == 0 ? Stream.Null : File.OpenRead(full))
            {
                SHA256.HashData(stream, hash);
            }

            if (!Convert.ToHexStringLower(hash).Equals(file.Sha256, StringComparison.Ordinal))
            {
                throw new PackageVerificationException(PackageErrors.HashMismatch, $"plugin '{manifest.Id}' file '{file.Path}' does not have the SHA-256 plugin.json lists: it was changed after the package was built.", manifest.Id, manifest.VersionText);
            }
        }
    }

    /// <summary>Rejects symbolic links anywhere in a package: they could point anywhere outside it.</summary>
    public static void RejectLinks(string folder)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (entry.LinkTarget is not null)
            {
                throw new PackageVerificationException(PackageErrors.SymbolicLink, $"'{Path.GetRelativePath(folder, entry.FullName)}' is a symbolic link to '{entry.LinkTarget}'; packages hold regular files only.");
            }
        }
    }
}
