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

    public required string EntryAssembly { get; init; }

    public required string EntryType { get; init; }

    public IReadOnlyList<string> Contracts { get; init; } = [];

    public TimeSpan? CallTimeout { get; init; }

    public TimeSpan? DrainTimeout { get; init; }

    public bool Enabled { get; init; } = true;

    /// <summary>Gets the raw <c>config</c> object, or <see langword="null"/>.</summary>
    public JsonElement? Config { get; init; }

    public string VersionText => Version.ToString();
}
