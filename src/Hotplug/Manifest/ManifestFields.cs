using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Hotplug.Manifest;

/// <summary>Reads the fields of a manifest, each error with its code and field.</summary>
internal static class ManifestFields
{
    private const int PrintableLength = 100;

    public static string RequiredString(string path, JsonElement parent, string name, string? id, string prefix = "")
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new PluginManifestException(ManifestErrors.MissingField, path, prefix + name, "is missing.", id);
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new PluginManifestException(ManifestErrors.WrongType, path, prefix + name, $"must be a string, not {Describe(value.ValueKind)}.", id);
        }

        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new PluginManifestException(ManifestErrors.WrongType, path, prefix + name, "must not be empty.", id);
        }

        return text;
    }

    public static bool? OptionalBool(string path, JsonElement root, string name, string id)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new PluginManifestException(ManifestErrors.WrongType, path, name, $"must be true or false, not {Describe(value.ValueKind)}.", id),
        };
    }

    public static string[] ReadContracts(string path, JsonElement root, string id)
    {
        if (!root.TryGetProperty("contracts", out var contracts) || contracts.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (contracts.ValueKind != JsonValueKind.Array)
        {
            throw new PluginManifestException(ManifestErrors.WrongType, path, "contracts", $"must be an array of contract names such as [\"ranking/v1\"], not {Describe(contracts.ValueKind)}.", id);
        }

        var names = new List<string>();
        var index = 0;
        foreach (var item in contracts.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                throw new PluginManifestException(ManifestErrors.WrongType, path, $"contracts[{index}]", "must be a non-empty contract name such as \"ranking/v1\".", id);
            }

            names.Add(item.GetString()!);
            index++;
        }

        return [.. names];
    }

    public static PackageFile[]? ReadFiles(string path, JsonElement root, string id)
    {
        if (!root.TryGetProperty("files", out var files) || files.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (files.ValueKind != JsonValueKind.Array)
        {
            throw new PluginManifestException(ManifestErrors.BadFileList, path, "files", "must be an array of { \"path\", \"size\", \"sha256\" }; `hotplug pack` writes it.", id);
        }

        var list = new List<PackageFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var file in files.EnumerateArray())
        {
            var field = $"files[{index++}]";
            if (file.ValueKind != JsonValueKind.Object ||
                !file.TryGetProperty("path", out var p) || p.ValueKind != JsonValueKind.String ||
                !file.TryGetProperty("size", out var size) || size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var length) || length < 0 ||
                !file.TryGetProperty("sha256", out var hash) || hash.ValueKind != JsonValueKind.String ||
                hash.GetString()!.Length != 64 || !hash.GetString()!.All(char.IsAsciiHexDigitLower))
            {
                throw new PluginManifestException(ManifestErrors.BadFileList, path, field, "must be { \"path\": relative path, \"size\": bytes, \"sha256\": 64 lower-case hex digits }.", id);
            }

            foreach (var property in file.EnumerateObject())
            {
                if (property.Name is not ("path" or "size" or "sha256"))
                {
                    throw new PluginManifestException(ManifestErrors.BadFileList, path, $"{field}.{Printable(property.Name)}", "is not a field of a file entry (path, size, sha256).", id);
                }
            }

            var relative = p.GetString()!;
            if (relative.Length == 0 || relative.StartsWith('/') || relative.Contains('\\') || relative.Split('/').Any(s => s is "" or "." or ".."))
            {
                throw new PluginManifestException(ManifestErrors.BadFileList, path, field, $"path '{Printable(relative)}' must be relative, with '/' separators, inside the package.", id);
            }

            if (!seen.Add(relative))
            {
                throw new PluginManifestException(ManifestErrors.BadFileList, path, field, $"path '{Printable(relative)}' is listed twice.", id);
            }

            list.Add(new PackageFile(relative, length, hash.GetString()!));
        }

        return [.. list];
    }

    public static JsonElement? ReadConfig(string path, JsonElement root, string id)
    {
        if (!root.TryGetProperty("config", out var config) || config.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (config.ValueKind != JsonValueKind.Object)
        {
            throw new PluginManifestException(ManifestErrors.WrongType, path, "config", $"must be an object, not {Describe(config.ValueKind)}.", id);
        }

        return config.Clone();
    }

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>
    /// Text from a manifest as it may appear in a message: control characters escaped (<c>\n</c>, <c>\u001b</c>),
    /// so a value cannot start a line of its own in a log, and cut to a readable length.
    /// </summary>
    public static string Printable(string text)
    {
        var cut = text.Length > PrintableLength;
        var span = cut ? text.AsSpan(0, PrintableLength) : text.AsSpan();
        if (!cut && !span.ContainsAnyInRange('\u0000', '\u001f') && !span.ContainsAnyInRange('\u007f', '\u009f') && !span.ContainsAny('\u2028', '\u2029'))
        {
            return text;
        }

        var builder = new StringBuilder(span.Length + 8);
        foreach (var c in span)
        {
            _ = c switch
            {
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return cut ? builder.Append("...").ToString() : builder.ToString();
    }
}
