using System.Text.Json;

namespace Hotplug.Scripting.CSharp;

/// <summary>
/// The <c>entry</c> of a C# source plugin:
/// <c>{ "sources": ["Ranker.cs", "Rules/*.cs"], "type": "Rules.Ranker", "references": ["System.Text.Json"] }</c>.
/// </summary>
/// <remarks>
/// Each of <c>sources</c> (one string or an array) is a file (<c>Ranker.cs</c>), a pattern whose last part has <c>*</c>
/// or <c>?</c> (<c>Rules/*.cs</c>, and <c>Rules/**/*.cs</c> for every folder below), or a folder (every <c>.cs</c> file
/// under it). Plain files must be in the package before it is read; patterns and folders must match at least one file
/// when the version starts. <c>references</c> (optional) names extra assemblies by simple name.
/// </remarks>
/// <param name="Sources">The sources as the manifest writes them.</param>
/// <param name="Type">The entry type's full name.</param>
/// <param name="References">Extra assemblies, by simple name.</param>
internal sealed record CSharpSourceEntry(IReadOnlyList<string> Sources, string Type, IReadOnlyList<string> References)
{
    private const string ManifestPath = "plugin.json";

    /// <summary>Gets the sources that name one file each: those the package must hold before it is read.</summary>
    public IReadOnlyList<string> Files => [.. Sources.Where(s => KindOf(s) == SourceKind.File)];

    /// <summary>Reads and checks the entry.</summary>
    /// <exception cref="PluginManifestException">A field is missing or invalid, named (<c>entry.sources[1]</c>).</exception>
    public static CSharpSourceEntry Read(JsonElement entry)
    {
        var sources = ReadSources(entry);
        var type = RequiredString(entry, "type");
        var references = new List<string>();
        if (entry.TryGetProperty("references", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("entry.references", $"must be an array of assembly names, not {Describe(list.ValueKind)}.");
            }

            var i = 0;
            foreach (var item in list.EnumerateArray())
            {
                var field = $"entry.references[{i++}]";
                var name = item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Invalid(field, $"must be a string, not {Describe(item.ValueKind)}.");
                if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(['/', '\\', ',', ' ']) >= 0 || name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                {
                    throw Invalid(field, $"must be a simple assembly name such as 'System.Text.Json' (no path, version or '.dll'); it is '{name}'.");
                }

                references.Add(name);
            }
        }

        return new CSharpSourceEntry(sources, type, references);
    }

    /// <summary>Finds the source files in a package folder: relative paths with <c>/</c>, in ordinal order, each once.</summary>
    /// <param name="folder">The package folder.</param>
    /// <param name="pluginId">The plugin, for the error.</param>
    /// <returns>The files, never empty.</returns>
    /// <exception cref="PluginStartException">A source names nothing in the folder.</exception>
    public IReadOnlyList<string> FindFiles(string folder, string pluginId)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Sources.Count; i++)
        {
            var source = Sources[i];
            var matches = Match(folder, source).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).ToList();
            if (matches.Count == 0)
            {
                var what = KindOf(source) switch
                {
                    SourceKind.File => "is not in the plugin folder",
                    SourceKind.Pattern => "matches no file in the plugin folder",
                    _ => "is not a folder with .cs files in the plugin folder",
                };
                throw new PluginStartException($"entry.sources[{i}] '{source}' {what}.", pluginId);
            }

            found.UnionWith(matches);
        }

        return [.. found];
    }

    private static IEnumerable<string> Match(string folder, string source)
    {
        var path = Path.Combine(folder, source.Replace('\\', '/'));
        switch (KindOf(source))
        {
            case SourceKind.File:
                return File.Exists(path) ? [path] : [];
            case SourceKind.Folder:
                return Directory.Exists(path) ? Directory.EnumerateFiles(path, "*.cs", Options(recurse: true)) : [];
            default:
                var slash = source.LastIndexOf('/');
                var directory = slash < 0 ? string.Empty : source[..slash];
                var recurse = directory == "**" || directory.EndsWith("/**", StringComparison.Ordinal);
                if (recurse)
                {
                    directory = directory.Length == 2 ? string.Empty : directory[..^3];
                }

                var root = Path.Combine(folder, directory);
                return Directory.Exists(root) ? Directory.EnumerateFiles(root, source[(slash + 1)..], Options(recurse)) : [];
        }
    }

    private static EnumerationOptions Options(bool recurse) => new()
    {
        RecurseSubdirectories = recurse,
        MatchType = MatchType.Simple,
        MatchCasing = MatchCasing.CaseSensitive,
        AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
    };

    private static SourceKind KindOf(string source)
    {
        var name = source[(source.LastIndexOf('/') + 1)..];
        return name.IndexOfAny(['*', '?']) >= 0 ? SourceKind.Pattern
            : name.EndsWith(".cs", StringComparison.Ordinal) ? SourceKind.File
            : SourceKind.Folder;
    }

    private static List<string> ReadSources(JsonElement entry)
    {
        if (!entry.TryGetProperty("sources", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new PluginManifestException(Manifest.ManifestErrors.MissingField, ManifestPath, "entry.sources", "is missing: name the C# files, such as [\"Ranker.cs\", \"Rules/*.cs\"], or a folder.", null);
        }

        var items = value.ValueKind switch
        {
            JsonValueKind.String => [(value, "entry.sources")],
            JsonValueKind.Array => value.EnumerateArray().Select((item, i) => (item, $"entry.sources[{i}]")).ToList(),
            _ => throw Invalid("entry.sources", $"must be a file, pattern or folder, or an array of them, not {Describe(value.ValueKind)}."),
        };
        if (items.Count == 0)
        {
            throw Invalid("entry.sources", "must name at least one file, pattern or folder.");
        }

        var sources = new List<string>();
        foreach (var (item, field) in items)
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString()!.Replace('\\', '/').TrimEnd('/') : throw Invalid(field, $"must be a string, not {Describe(item.ValueKind)}.");
            var parts = text.Split('/');
            if (string.IsNullOrWhiteSpace(text) || Path.IsPathRooted(text) || parts.Any(p => p is "" or ".."))
            {
                throw Invalid(field, $"must be a path relative to the plugin folder, inside it; it is '{text}'.");
            }

            var folders = parts[..^1];
            if (folders.Any(p => p != "**" && p.IndexOfAny(['*', '?']) >= 0) || folders[..^Math.Min(1, folders.Length)].Contains("**"))
            {
                throw Invalid(field, $"may use wildcards in its last part only, and '**' just before it (Rules/**/*.cs); it is '{text}'.");
            }

            sources.Add(text);
        }

        return sources;
    }

    private static string RequiredString(JsonElement entry, string name)
    {
        var field = "entry." + name;
        if (!entry.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new PluginManifestException(Manifest.ManifestErrors.MissingField, ManifestPath, field, "is missing: name the class that implements the contracts, such as \"Rules.Ranker\".", null);
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid(field, $"must be a string, not {Describe(value.ValueKind)}.");
        return string.IsNullOrWhiteSpace(text) ? throw Invalid(field, "must not be empty.") : text;
    }

    private static PluginManifestException Invalid(string field, string reason) =>
        new(Manifest.ManifestErrors.WrongType, ManifestPath, field, reason, null);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private enum SourceKind
    {
        File,
        Pattern,
        Folder,
    }
}
