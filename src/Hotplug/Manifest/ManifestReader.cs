using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hotplug.Runtimes;
using Semver;

namespace Hotplug.Manifest;

/// <summary>Reads and validates <c>plugin.json</c>. Every problem is reported with the file and the field.</summary>
internal static partial class ManifestReader
{

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    private static readonly HashSet<string> KnownFields = new(StringComparer.Ordinal)
    {
        "$schema", "id", "version", "runtime", "entry", "contracts", "callTimeout", "drainTimeout", "enabled", "config", "description", "files",
    };

    /// <summary>Reads the manifest at <paramref name="path"/>.</summary>
    /// <exception cref="PluginManifestException">The file is missing, not JSON, or a field is missing or invalid.</exception>
    public static PluginManifest Read(string path, IReadOnlyDictionary<string, IPluginRuntime>? runtimes = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginManifestException(path, null, $"cannot be read: {ex.Message}");
        }

        return Parse(path, bytes, runtimes);
    }

    /// <summary>Parses a manifest.</summary>
    /// <param name="path">The file, named in errors.</param>
    /// <param name="json">Its bytes.</param>
    /// <param name="runtimes">
    /// The runtimes the host has, which validate their own <c>entry</c>; <see langword="null"/> (tools that only
    /// package or verify) accepts any runtime and validates the entry of <c>assembly</c> only.
    /// </param>
    public static PluginManifest Parse(string path, ReadOnlyMemory<byte> json, IReadOnlyDictionary<string, IPluginRuntime>? runtimes = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}" : string.Empty;
            throw new PluginManifestException(path, null, $"is not valid JSON{where}: {FirstSentence(ex.Message)}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new PluginManifestException(path, null, $"must be a JSON object, not {Describe(root.ValueKind)}.");
            }

            foreach (var property in root.EnumerateObject())
            {
                if (!KnownFields.Contains(property.Name))
                {
                    throw new PluginManifestException(path, property.Name, $"is not a manifest field. Known fields: {string.Join(", ", KnownFields.Where(f => f != "$schema"))}.");
                }
            }

            var id = RequiredString(path, root, "id", null);
            if (!IdPattern().IsMatch(id))
            {
                throw new PluginManifestException(path, "id", $"'{id}' is not a valid plugin id: use 1-64 lower-case letters, digits, '.', '-' or '_', starting with a letter or digit.", null);
            }

            var versionText = RequiredString(path, root, "version", id);
            if (!SemVersion.TryParse(versionText, SemVersionStyles.Strict, out var version))
            {
                throw new PluginManifestException(path, "version", $"'{versionText}' is not a semantic version (MAJOR.MINOR.PATCH, such as 1.2.0 or 2.0.0-beta.1).", id);
            }

            var runtime = RequiredString(path, root, "runtime", id);
            IPluginRuntime? runner = null;
            if (runtimes is not null && !runtimes.TryGetValue(runtime, out runner))
            {
                throw new PluginManifestException(path, "runtime", $"'{runtime}' is not a runtime this host knows. Known runtimes: {string.Join(", ", runtimes.Keys.Order(StringComparer.Ordinal))}.", id);
            }

            if (!root.TryGetProperty("entry", out var entry) || entry.ValueKind == JsonValueKind.Null)
            {
                throw new PluginManifestException(path, "entry", "is missing: name the entry assembly and type, such as { \"assembly\": \"Ranker.dll\", \"type\": \"Ranker.Plugin\" }.", id);
            }

            if (entry.ValueKind != JsonValueKind.Object)
            {
                throw new PluginManifestException(path, "entry", $"must be an object, not {Describe(entry.ValueKind)}.", id);
            }

            IReadOnlyList<string> entryFiles;
            try
            {
                entryFiles = runner is not null ? runner.ReadEntry(entry)
                    : runtime == "assembly" ? [AssemblyEntry(entry, "entry").Assembly]
                    : [];
            }
            catch (PluginManifestException ex)
            {
                // Runtimes report the field; the reader knows the file.
                throw new PluginManifestException(path, ex.Field, ex.Reason, id);
            }

            foreach (var file in entryFiles)
            {
                if (System.IO.Path.IsPathRooted(file) || file.Split('/', '\\').Contains(".."))
                {
                    throw new PluginManifestException(path, "entry", $"'{file}' must be a path relative to the plugin folder, inside it.", id);
                }
            }

            return new PluginManifest
            {
                Path = path,
                Id = id,
                Version = version,
                Runtime = runtime,
                Entry = entry.Clone(),
                EntryFiles = entryFiles,
                Contracts = ReadContracts(path, root, id),
                CallTimeout = OptionalDuration(path, root, "callTimeout", id, allowInfinite: true),
                DrainTimeout = OptionalDuration(path, root, "drainTimeout", id, allowInfinite: false),
                Enabled = OptionalBool(path, root, "enabled", id) ?? true,
                Config = ReadConfig(path, root, id),
                Files = ReadFiles(path, root, id),
            };
        }
    }

    /// <summary>Reads the <c>entry</c> of an assembly plugin: <c>{ "assembly": "Plugin.dll", "type": "Namespace.Type" }</c>.</summary>
    /// <exception cref="PluginManifestException">A field is missing or invalid.</exception>
    public static (string Assembly, string Type) AssemblyEntry(JsonElement entry, string field)
    {
        const string Path = PluginManifest.FileName;
        var assembly = RequiredString(Path, entry, "assembly", null, field + ".");
        var type = RequiredString(Path, entry, "type", null, field + ".");
        return (assembly, type);
    }

    /// <summary>
    /// Parses a duration: a number with a unit (<c>250ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>), a
    /// <see cref="TimeSpan"/> (<c>00:00:05</c>), or <c>infinite</c>.
    /// </summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        text = text.Trim();
        if (string.Equals(text, "infinite", StringComparison.OrdinalIgnoreCase))
        {
            value = Timeout.InfiniteTimeSpan;
            return true;
        }

        var match = DurationPattern().Match(text);
        if (match.Success)
        {
            var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            value = match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "s" => TimeSpan.FromSeconds(number),
                "m" => TimeSpan.FromMinutes(number),
                _ => TimeSpan.FromHours(number),
            };
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    private static string[] ReadContracts(string path, JsonElement root, string id)
    {
        if (!root.TryGetProperty("contracts", out var contracts) || contracts.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (contracts.ValueKind != JsonValueKind.Array)
        {
            throw new PluginManifestException(path, "contracts", $"must be an array of contract names such as [\"ranking/v1\"], not {Describe(contracts.ValueKind)}.", id);
        }

        var names = new List<string>();
        var index = 0;
        foreach (var item in contracts.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                throw new PluginManifestException(path, $"contracts[{index}]", "must be a non-empty contract name such as \"ranking/v1\".", id);
            }

            names.Add(item.GetString()!);
            index++;
        }

        return [.. names];
    }

    private static PackageFile[]? ReadFiles(string path, JsonElement root, string id)
    {
        if (!root.TryGetProperty("files", out var files) || files.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (files.ValueKind != JsonValueKind.Array)
        {
            throw new PluginManifestException(path, "files", "must be an array of { \"path\", \"size\", \"sha256\" }; `hotplug pack` writes it.", id);
        }

        var list = new List<PackageFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var file in files.EnumerateArray())
        {
            var field = $"files[{index++}]";
            if (file.ValueKind != JsonValueKind.Object ||
                !file.TryGetProperty("path", out var p) || p.ValueKind != JsonValueKind.String ||
                !file.TryGetProperty("size", out var size) || !size.TryGetInt64(out var length) || length < 0 ||
                !file.TryGetProperty("sha256", out var hash) || hash.ValueKind != JsonValueKind.String ||
                hash.GetString()!.Length != 64 || !hash.GetString()!.All(char.IsAsciiHexDigitLower))
            {
                throw new PluginManifestException(path, field, "must be { \"path\": relative path, \"size\": bytes, \"sha256\": 64 lower-case hex digits }.", id);
            }

            foreach (var property in file.EnumerateObject())
            {
                if (property.Name is not ("path" or "size" or "sha256"))
                {
                    throw new PluginManifestException(path, $"{field}.{property.Name}", "is not a field of a file entry (path, size, sha256).", id);
                }
            }

            var relative = p.GetString()!;
            if (relative.Length == 0 || relative.StartsWith('/') || relative.Contains('\\') || relative.Split('/').Any(s => s is "" or "." or ".."))
            {
                throw new PluginManifestException(path, field, $"path '{relative}' must be relative, with '/' separators, inside the package.", id);
            }

            if (!seen.Add(relative))
            {
                throw new PluginManifestException(path, field, $"path '{relative}' is listed twice.", id);
            }

            list.Add(new PackageFile(relative, length, hash.GetString()!));
        }

        return [.. list];
    }

    private static JsonElement? ReadConfig(string path, JsonElement root, string id)
    {
        if (!root.TryGetProperty("config", out var config) || config.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (config.ValueKind != JsonValueKind.Object)
        {
            throw new PluginManifestException(path, "config", $"must be an object, not {Describe(config.ValueKind)}.", id);
        }

        return config.Clone();
    }

    private static string RequiredString(string path, JsonElement parent, string name, string? id, string prefix = "")
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new PluginManifestException(path, prefix + name, "is missing.", id);
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new PluginManifestException(path, prefix + name, $"must be a string, not {Describe(value.ValueKind)}.", id);
        }

        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new PluginManifestException(path, prefix + name, "must not be empty.", id);
        }

        return text;
    }

    private static bool? OptionalBool(string path, JsonElement root, string name, string id)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new PluginManifestException(path, name, $"must be true or false, not {Describe(value.ValueKind)}.", id),
        };
    }

    private static TimeSpan? OptionalDuration(string path, JsonElement root, string name, string id, bool allowInfinite)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        const string Help = "use a duration such as \"500ms\", \"5s\", \"2m\" or \"00:00:05\", or a number of milliseconds";
        TimeSpan duration;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var ms))
        {
            duration = TimeSpan.FromMilliseconds(ms);
        }
        else if (value.ValueKind != JsonValueKind.String || !TryParseDuration(value.GetString()!, out duration))
        {
            throw new PluginManifestException(path, name, $"'{value}' is not a duration: {Help}.", id);
        }

        if (duration == Timeout.InfiniteTimeSpan)
        {
            return allowInfinite ? duration : throw new PluginManifestException(path, name, "must be finite.", id);
        }

        if (duration <= TimeSpan.Zero)
        {
            throw new PluginManifestException(path, name, $"must be positive; {Help}.", id);
        }

        return duration;
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

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$")]
    private static partial Regex DurationPattern();
}
