using System.Text.Json;
using Semver;

namespace Hotplug.Manifest;

/// <summary>A parsed, validated <c>plugin.json</c>.</summary>
internal sealed record PluginManifest
{
    public const string FileName = "plugin.json";

    public required string Path { get; init; }

    public required string Id { get; init; }

    public required SemVersion Version { get; init; }

    public required string Runtime { get; init; }

    /// <summary>Gets the <c>entry</c> object, which the runtime reads.</summary>
    public required JsonElement Entry { get; init; }

    /// <summary>Gets the files the entry names (relative), which must be present before the package is read.</summary>
    public IReadOnlyList<string> EntryFiles { get; init; } = [];

    public IReadOnlyList<string> Contracts { get; init; } = [];

    public TimeSpan? CallTimeout { get; init; }

    public TimeSpan? DrainTimeout { get; init; }

    public bool Enabled { get; init; } = true;

    /// <summary>Gets the raw <c>config</c> object, or <see langword="null"/>.</summary>
    public JsonElement? Config { get; init; }

    /// <summary>Gets the payload files with their sizes and hashes, or <see langword="null"/> when the manifest lists none.</summary>
    public IReadOnlyList<PackageFile>? Files { get; init; }

    public string VersionText => Version.ToString();
}

/// <summary>One payload file of a package, as <c>plugin.json</c> lists it.</summary>
/// <param name="Path">The path relative to the package root, with '/' separators.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="Sha256">The SHA-256 of the content, lower-case hex.</param>
internal sealed record PackageFile(string Path, long Size, string Sha256);
