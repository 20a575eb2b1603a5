using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotplug.Manifest;

namespace Hotplug.Packaging;

/// <summary>Builds, signs and verifies plugin packages: what <c>hotplug pack</c>, <c>sign</c> and <c>verify</c> do.</summary>
public static class PluginPackager
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Lists every payload file of the package folder, with its size and SHA-256, in its <c>plugin.json</c>
    /// (<c>files</c>), and removes a <c>plugin.sig</c> the change made stale.
    /// </summary>
    /// <param name="folder">The package folder, with its <c>plugin.json</c>.</param>
    /// <param name="runtimes">
    /// The runtimes that check their manifests' <c>entry</c>, as a host's do (a manifest naming another runtime is
    /// rejected); <see langword="null"/> accepts any runtime name and checks no entry. <c>hotplug pack</c> passes the
    /// runtimes <c>hotplug run</c> hosts with.
    /// </param>
    /// <exception cref="PluginException">The folder has no valid manifest, or holds a symbolic link.</exception>
    public static void WriteFileList(string folder, IEnumerable<Runtimes.IPluginRuntime>? runtimes = null)
    {
        var manifestPath = Path.Combine(folder, PluginManifest.FileName);
        PackageVerifier.RejectLinks(folder);
        PackageVerifier.CheckEntryPresent(folder, ManifestReader.Read(manifestPath, Known(runtimes)), manifestPath);
        var files = new JsonArray();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                     .Select(f => (Full: f, Relative: Path.GetRelativePath(folder, f).Replace('\\', '/')))
                     .Where(f => f.Relative is not PluginManifest.FileName and not PackageSignature.FileName)
                     .OrderBy(f => f.Relative, StringComparer.Ordinal))
        {
            // A file of length 0 is not opened: a FIFO or device would block or never end (see PackageFiles).
            var length = new FileInfo(file.Full).Length;
            using var stream = length == 0 ? Stream.Null : File.OpenRead(file.Full);
            files.Add(new JsonObject
            {
                ["path"] = file.Relative,
                ["size"] = length,
                ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(stream)),
            });
        }

        // Read and checked just above, so it is a small regular file.
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        manifest["files"] = files;
        File.WriteAllText(manifestPath, manifest.ToJsonString(Indented) + "\n");
        File.Delete(Path.Combine(folder, PackageSignature.FileName));
    }

    /// <summary>Signs the package folder's <c>plugin.json</c>, writing <c>plugin.sig</c>.</summary>
    /// <param name="folder">The package folder; its manifest must list its files (see <see cref="WriteFileList"/>).</param>
    /// <param name="key">The publisher's key.</param>
    /// <param name="runtimes">The runtimes that check the manifest's <c>entry</c> (see <see cref="WriteFileList"/>).</param>
    /// <returns>The key id that signed.</returns>
    /// <exception cref="PluginException">The manifest is invalid or lists no files.</exception>
    public static string Sign(string folder, SigningKey key, IEnumerable<Runtimes.IPluginRuntime>? runtimes = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var manifestPath = Path.Combine(folder, PluginManifest.FileName);
        var bytes = PackageFiles.ReadSmall(manifestPath, PackageFiles.MaxManifestBytes, problem => new PluginManifestException(ManifestErrors.Unreadable, manifestPath, null, problem + ".", null));
        var manifest = ManifestReader.Parse(manifestPath, bytes, Known(runtimes));
        if (manifest.Files is null)
        {
            throw new PackageVerificationException(PackageErrors.NoFileList, $"{manifestPath} lists no files, so a signature would cover nothing but the manifest: run `hotplug pack` first.", manifest.Id, manifest.VersionText);
        }

        PackageVerifier.CheckEntryPresent(folder, manifest, manifestPath);

        File.WriteAllBytes(Path.Combine(folder, PackageSignature.FileName), PackageSignature.Create(key, bytes).ToBytes());
        return key.KeyId;
    }

    /// <summary>Signs a zipped package in place: its <c>plugin.sig</c> entry is replaced.</summary>
    /// <param name="zipPath">The package zip.</param>
    /// <param name="key">The publisher's key.</param>
    /// <param name="runtimes">The runtimes that check the manifest's <c>entry</c> (see <see cref="WriteFileList"/>).</param>
    /// <returns>The key id that signed.</returns>
    public static string SignZip(string zipPath, SigningKey key, IEnumerable<Runtimes.IPluginRuntime>? runtimes = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var bytes = SafeZip.ReadEntry(zipPath, PluginManifest.FileName, 16 * 1024 * 1024)
            ?? throw new PluginManifestException(ManifestErrors.Unreadable, zipPath, null, "has no plugin.json at its root.", null);
        var manifest = ManifestReader.Parse($"{zipPath}!/{PluginManifest.FileName}", bytes, Known(runtimes));
        if (manifest.Files is null)
        {
            throw new PackageVerificationException(PackageErrors.NoFileList, $"{zipPath} lists no files in plugin.json: build it with `hotplug pack`.", manifest.Id, manifest.VersionText);
        }

        using var archive = ZipFile.Open(zipPath, ZipArchiveMode.Update);
        if (manifest.Enabled && manifest.EntryFiles.FirstOrDefault(f => archive.GetEntry(f.Replace('\\', '/')) is null) is { } missing)
        {
            throw PackageVerifier.EntryMissing(missing, manifest, $"{zipPath}!/{PluginManifest.FileName}");
        }

        archive.GetEntry(PackageSignature.FileName)?.Delete();
        using var stream = archive.CreateEntry(PackageSignature.FileName).Open();
        stream.Write(PackageSignature.Create(key, bytes).ToBytes());
        return key.KeyId;
    }

    /// <summary>Fills in the file list, signs when given a key, and writes the package as a zip.</summary>
    /// <param name="folder">The package folder.</param>
    /// <param name="zipPath">
    /// The zip to write (replaced if it exists), not inside the package folder; <see langword="null"/> for
    /// <c>&lt;id&gt;-&lt;version&gt;.zip</c> in the current folder, which must then be neither the package folder nor
    /// the folder that holds it (a plugins folder, perhaps one a host watches, would take the zip for a package).
    /// </param>
    /// <param name="key">The publisher's key, or <see langword="null"/> for an unsigned package.</param>
    /// <param name="runtimes">The runtimes that check the manifest's <c>entry</c> (see <see cref="WriteFileList"/>).</param>
    /// <returns>What was written.</returns>
    /// <exception cref="PluginException">The manifest is invalid or its entry is missing, or the zip would land where it must not.</exception>
    public static PackResult Pack(string folder, string? zipPath = null, SigningKey? key = null, IEnumerable<Runtimes.IPluginRuntime>? runtimes = null)
    {
        var into = PackOutput.Check(folder, zipPath);
        WriteFileList(folder, runtimes);
        if (key is not null)
        {
            Sign(folder, key, runtimes);
        }

        var manifest = ManifestReader.Read(Path.Combine(folder, PluginManifest.FileName));
        var full = into ?? Path.Combine(Environment.CurrentDirectory, $"{manifest.Id}-{manifest.VersionText}.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.Delete(full);
        using (var archive = ZipFile.Open(full, ZipArchiveMode.Create))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (Path.GetFullPath(file) != full)
                {
                    archive.CreateEntryFromFile(file, Path.GetRelativePath(folder, file).Replace('\\', '/'), CompressionLevel.Optimal);
                }
            }
        }

        return new PackResult(full, manifest.Id, manifest.VersionText, manifest.Files!.Count, key?.KeyId);
    }

    /// <summary>Verifies a package folder or zip against a trust store, as a host would before loading it.</summary>
    /// <param name="path">A package folder or <c>.zip</c>.</param>
    /// <param name="trust">The trusted keys.</param>
    /// <param name="requireSignature">Whether an unsigned package is rejected.</param>
    /// <param name="maxPackageSize">How many bytes a zip may expand to.</param>
    /// <param name="maxPackageFiles">How many entries a zip may have.</param>
    /// <param name="runtimes">The runtimes that check the manifest's <c>entry</c> (see <see cref="WriteFileList"/>).</param>
    /// <returns>The plugin id, version and signing key id (<see langword="null"/> when unsigned).</returns>
    /// <exception cref="PackageVerificationException">The package is rejected; <see cref="PackageVerificationException.Code"/> says why.</exception>
    /// <exception cref="PluginManifestException">The manifest is invalid.</exception>
    public static (string Id, string Version, string? KeyId) Verify(string path, TrustStore trust, bool requireSignature = true, long maxPackageSize = 512L * 1024 * 1024, int maxPackageFiles = 10_000, IEnumerable<Runtimes.IPluginRuntime>? runtimes = null)
    {
        ArgumentNullException.ThrowIfNull(trust);
        var known = Known(runtimes);
        if (Directory.Exists(path))
        {
            var verified = PackageVerifier.Verify(path, trust, requireSignature, runtimes: known);
            PackageVerifier.CheckEntryPresent(path, verified.Manifest, Path.Combine(path, PluginManifest.FileName));
            return (verified.Manifest.Id, verified.Manifest.VersionText, verified.SignerKeyId);
        }

        var temp = Path.Combine(Path.GetTempPath(), "hotplug-verify-" + Guid.NewGuid().ToString("N"));
        try
        {
            // As a host stages it: the manifest and signature inside the zip first, then only the files they list.
            var display = $"{path}!/{PluginManifest.FileName}";
            SafeZip.Extract(path, temp, new ZipLimits(maxPackageSize, maxPackageFiles), (manifest, signature) => PackageVerifier.VerifyManifest(manifest, signature, trust, requireSignature, display, known));
            var verified = PackageVerifier.Verify(temp, trust, requireSignature, display, known);
            PackageVerifier.CheckEntryPresent(temp, verified.Manifest, display);
            return (verified.Manifest.Id, verified.Manifest.VersionText, verified.SignerKeyId);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    /// <summary>The runtimes a tool checks manifests with, by name; <see langword="null"/> for none.</summary>
    private static Dictionary<string, Runtimes.IPluginRuntime>? Known(IEnumerable<Runtimes.IPluginRuntime>? runtimes)
    {
        if (runtimes is null)
        {
            return null;
        }

        var known = new Dictionary<string, Runtimes.IPluginRuntime>(StringComparer.Ordinal);
        foreach (var runtime in runtimes)
        {
            known[runtime.Name] = runtime;
        }

        return known;
    }
}

/// <summary>What <see cref="PluginPackager.Pack"/> wrote.</summary>
/// <param name="ZipPath">The zip.</param>
/// <param name="Id">The plugin id.</param>
/// <param name="Version">The plugin version.</param>
/// <param name="FileCount">How many payload files the manifest lists.</param>
/// <param name="KeyId">The key that signed it, or <see langword="null"/> when unsigned.</param>
public sealed record PackResult(string ZipPath, string Id, string Version, int FileCount, string? KeyId);
