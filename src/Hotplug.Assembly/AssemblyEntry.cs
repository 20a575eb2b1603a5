using System.Text.Json;

namespace Hotplug.Loading;

/// <summary>The <c>entry</c> of an assembly plugin: <c>{ "assembly": "Plugin.dll", "type": "Namespace.EntryType" }</c>.</summary>
/// <param name="Assembly">The entry assembly, relative to the package.</param>
/// <param name="Type">The entry type's full name.</param>
internal sealed record AssemblyEntry(string Assembly, string Type)
{
    /// <summary>Reads and checks the entry.</summary>
    /// <exception cref="PluginManifestException">A field is missing or invalid; the host adds the manifest's path.</exception>
    public static AssemblyEntry Read(JsonElement entry) => new(RequiredString(entry, "assembly"), RequiredString(entry, "type"));

    private static string RequiredString(JsonElement entry, string name)
    {
        const string Path = "plugin.json";
        var field = "entry." + name;
        if (!entry.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new PluginManifestException(Manifest.ManifestErrors.MissingField, Path, field, "is missing.", null);
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new PluginManifestException(Manifest.ManifestErrors.WrongType, Path, field, $"must be a string, not {Describe(value.ValueKind)}.", null);
        }

        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new PluginManifestException(Manifest.ManifestErrors.WrongType, Path, field, "must not be empty.", null);
        }

        return text;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
