using System.Text;
using System.Text.Json;

namespace Hotplug.Manifest;

/// <summary>Parses the JSON of a manifest, refusing what two readers could read differently.</summary>
/// <remarks>
/// <see cref="JsonDocument"/> keeps every property of an object, duplicates included, and a lookup finds one of
/// them; other readers take the first or the last. A signature covers the bytes, so a manifest with a key twice
/// would be one signed document that different tools understand as different plugins: it is rejected, wherever
/// the duplicate is (root, <c>entry</c>, <c>config</c>, <c>files</c>), naming the key.
/// </remarks>
internal static class ManifestJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Parses <paramref name="json"/>.</summary>
    /// <exception cref="PluginManifestException">It is not valid JSON (<see cref="ManifestErrors.NotJson"/>) or an object has a key twice (<see cref="ManifestErrors.DuplicateKey"/>).</exception>
    public static JsonDocument Parse(string path, ReadOnlyMemory<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}" : string.Empty;
            throw new PluginManifestException(ManifestErrors.NotJson, path, null, $"is not valid JSON{where}: {FirstSentence(ex.Message)}", null);
        }

        if (FindDuplicateKey(json.Span) is { } duplicate)
        {
            var id = duplicate != "id" && document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("id", out var value) && value.ValueKind == JsonValueKind.String &&
                ManifestRules.IsValidId(value.GetString())
                ? value.GetString()
                : null;
            document.Dispose();
            throw new PluginManifestException(
                ManifestErrors.DuplicateKey,
                path,
                duplicate,
                "appears twice in the same object. Readers disagree on which one counts, so a manifest must name each key once.",
                id);
        }

        return document;
    }

    /// <summary>Finds the first key that appears twice in one object, as a field path (<c>entry.type</c>, <c>files[2].path</c>).</summary>
    /// <returns>The path of the second occurrence, or <see langword="null"/> when every key is unique.</returns>
    internal static string? FindDuplicateKey(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var scopes = new List<Scope>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    var scope = scopes[^1];
                    var name = reader.GetString()!;
                    if (!scope.Keys!.Add(name))
                    {
                        return FieldPath(scopes, name);
                    }

                    scope.Key = name;
                    break;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    CountElement(scopes);
                    scopes.Add(new Scope(reader.TokenType == JsonTokenType.StartObject));
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    scopes.RemoveAt(scopes.Count - 1);
                    break;
                case JsonTokenType.Comment:
                case JsonTokenType.None:
                    break;
                default:
                    CountElement(scopes);
                    break;
            }
        }

        return null;
    }

    private static void CountElement(List<Scope> scopes)
    {
        if (scopes.Count > 0 && scopes[^1].Keys is null)
        {
            scopes[^1].Index++;
        }
    }

    private static string FieldPath(List<Scope> scopes, string key)
    {
        var path = new StringBuilder();
        for (var i = 0; i < scopes.Count - 1; i++)
        {
            if (scopes[i].Keys is null)
            {
                path.Append('[').Append(scopes[i].Index).Append(']');
            }
            else
            {
                path.Append(path.Length == 0 ? string.Empty : ".").Append(ManifestFields.Printable(scopes[i].Key!));
            }
        }

        return path.Append(path.Length == 0 ? string.Empty : ".").Append(ManifestFields.Printable(key)).ToString();
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>One object or array being read: an object's keys so far and its current key, or an array's current index.</summary>
    private sealed class Scope(bool isObject)
    {
        public HashSet<string>? Keys { get; } = isObject ? new(StringComparer.Ordinal) : null;

        public string? Key { get; set; }

        public int Index { get; set; } = -1;
    }
}
