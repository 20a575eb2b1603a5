using System.Text.Json;
using System.Text.Json.Nodes;
using Hotplug.Manifest;
using Hotplug.Runtimes;

namespace Hotplug.Build;

/// <summary>
/// The build step: a plugin project's <c>plugin.json</c> into its output folder, with the project's version when
/// the manifest has none (or when asked), then checked as a host checks it, entry file included.
/// </summary>
internal static class ManifestStep
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes <paramref name="folder"/>/plugin.json from <paramref name="source"/>.</summary>
    /// <param name="source">The project's manifest.</param>
    /// <param name="folder">The build (or publish) output folder.</param>
    /// <param name="version">The project's version; <see langword="null"/> leaves the manifest's.</param>
    /// <param name="versionFromProject">Whether <paramref name="version"/> replaces a version the manifest has.</param>
    /// <param name="runtimes">The runtimes that check the manifest's <c>entry</c>.</param>
    /// <exception cref="PluginManifestException">The manifest is invalid, or its entry is not in the folder.</exception>
    public static void Run(string source, string folder, string? version, bool versionFromProject, IReadOnlyList<IPluginRuntime> runtimes)
    {
        var bytes = Packaging.PackageFiles.ReadSmall(source, Packaging.PackageFiles.MaxManifestBytes, problem => new PluginManifestException(ManifestErrors.Unreadable, source, null, problem + ".", null));

        // The host's parser first: what it refuses (not JSON, a key twice) is reported as the host reports it.
        ManifestJson.Parse(source, bytes).Dispose();
        var root = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (root is JsonObject manifest && !string.IsNullOrEmpty(version) && (versionFromProject || !manifest.ContainsKey("version")))
        {
            manifest.Remove("version");
            manifest.Insert(manifest.ContainsKey("id") ? manifest.IndexOf("id") + 1 : 0, "version", version);
            bytes = System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString(Indented) + "\n");
        }

        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, PluginManifest.FileName);
        if (!File.Exists(target) || !File.ReadAllBytes(target).AsSpan().SequenceEqual(bytes))
        {
            File.WriteAllBytes(target, bytes);
        }

        Check(source, target, folder, runtimes);
    }

    /// <summary>Reads the manifest as a host would and checks that its entry files are in the folder.</summary>
    /// <returns>The manifest.</returns>
    public static PluginManifest Check(string source, string manifestPath, string folder, IReadOnlyList<IPluginRuntime> runtimes)
    {
        var manifest = ManifestReader.Read(manifestPath, runtimes.ToDictionary(r => r.Name, StringComparer.Ordinal));

        // The host's check when it stages the package, naming the project's manifest.
        Packaging.PackageVerifier.CheckEntryPresent(folder, manifest, source);
        return manifest;
    }
}
