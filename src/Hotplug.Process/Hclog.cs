using System.Buffers;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process;

/// <summary>Reads hclog's JSON lines (what go-plugin plugins write to standard error) into log entries.</summary>
internal static class Hclog
{
    /// <summary>
    /// The level of a line, read without parsing it when it is hclog's: JSON whose first key is <c>"@level"</c> (hclog
    /// writes it first). Plain lines are information; other JSON gives <see langword="null"/>: parse it to know.
    /// </summary>
    internal static LogLevel? LevelOf(string line)
    {
        if (!line.StartsWith('{'))
        {
            return LogLevel.Information;
        }

        const string Key = "\"@level\"";
        var rest = line.AsSpan(1).TrimStart();
        if (!rest.StartsWith(Key, StringComparison.Ordinal))
        {
            return null;
        }

        rest = rest[Key.Length..].TrimStart();
        if (rest.IsEmpty || rest[0] != ':')
        {
            return null;
        }

        rest = rest[1..].TrimStart();
        if (rest.IsEmpty || rest[0] != '"')
        {
            return null;
        }

        rest = rest[1..];
        var end = rest.IndexOfAny('"', '\\');
        return end < 0 || rest[end] != '"' ? null : Level(rest[..end]);
    }

    private static LogLevel Level(ReadOnlySpan<char> name) => name switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => LogLevel.Information,
    };

    /// <summary>
    /// Reads an hclog JSON line (<c>{"@level":"info","@message":"...","@module":"...","key":"value"}</c>) into a level,
    /// a text (the message with its fields as <c>key=value</c>) and structured fields; other lines are text only. One
    /// pass of a JSON reader over the line's UTF-8, no document built.
    /// </summary>
    internal static HclogEntry Parse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return new HclogEntry(LogLevel.Information, line, line, []);
        }

        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(line.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(line, rented);
            return Read(rented.AsSpan(0, length)) ?? new HclogEntry(LogLevel.Information, line, line, []);
        }
        catch (JsonException)
        {
            return new HclogEntry(LogLevel.Information, line, line, []);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>An hclog entry, or null when the JSON is an object without <c>@message</c>.</summary>
    private static HclogEntry? Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? message = null;
        string? level = null;
        string? module = null;
        List<(string Name, object? Value, string Text)>? fields = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (name.StartsWith('@'))
            {
                switch (name)
                {
                    case "@message":
                        message = reader.TokenType == JsonTokenType.String ? reader.GetString() : Raw(ref reader, json);
                        break;
                    case "@level" when reader.TokenType == JsonTokenType.String:
                        level = reader.GetString();
                        break;
                    case "@module" when reader.TokenType == JsonTokenType.String:
                        module = reader.GetString();
                        break;
                    default:
                        reader.Skip();
                        break;
                }

                continue;
            }

            (fields ??= []).Add(Field(name, ref reader, json));
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || message is null)
        {
            return null;
        }

        var structured = new List<KeyValuePair<string, object?>>((fields?.Count ?? 0) + 1);
        if (module is not null)
        {
            structured.Add(new("PluginModule", module));
        }

        var text = message;
        if (fields is not null)
        {
            var builder = new StringBuilder(message);
            foreach (var (name, value, fieldText) in fields)
            {
                structured.Add(new(name, value));
                builder.Append(' ').Append(name).Append('=').Append(fieldText);
            }

            text = builder.ToString();
        }

        return new HclogEntry(Level(level), message, text, structured);
    }

    /// <summary>A field's value, as the type that holds it, and as it reads in text (a string unquoted, anything else as JSON).</summary>
    private static (string Name, object? Value, string Text) Field(string name, ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var text = reader.GetString();
                return (name, text, text ?? "");
            case JsonTokenType.Number:
                var raw = Encoding.UTF8.GetString(reader.ValueSpan);
                return (name, Number(ref reader, raw), raw);
            case JsonTokenType.True:
                return (name, true, "true");
            case JsonTokenType.False:
                return (name, false, "false");
            case JsonTokenType.Null:
                return (name, null, "null");
            default:
                var nested = Raw(ref reader, json);
                return (name, nested, nested);
        }
    }

    /// <summary>The JSON text of the value the reader is on (an object or array whole), leaving the reader at its end.</summary>
    private static string Raw(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return Encoding.UTF8.GetString(json[start..(int)reader.BytesConsumed]);
    }

    /// <summary>
    /// A JSON number as the type that holds it exactly: integers as <see cref="long"/> (hclog's counts, sizes, ids),
    /// those beyond it as <see cref="ulong"/> or <see cref="BigInteger"/>, never rounded through a double; numbers with a
    /// fraction or exponent as <see cref="double"/>.
    /// </summary>
    private static object Number(ref Utf8JsonReader reader, string raw)
    {
        if (reader.TryGetInt64(out var whole))
        {
            return whole;
        }

        if (reader.TryGetUInt64(out var large))
        {
            return large;
        }

        return raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && BigInteger.TryParse(raw, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var huge)
            ? huge
            : reader.GetDouble();
    }
}

/// <summary>
/// One line of a plugin's standard error as a log entry: structured loggers see <c>PluginOutput</c> (the message),
/// <c>PluginModule</c> and every hclog field as properties; text loggers see the message with its fields.
/// </summary>
internal sealed class HclogEntry(LogLevel level, string message, string text, IReadOnlyList<KeyValuePair<string, object?>> fields)
    : IReadOnlyList<KeyValuePair<string, object?>>
{
    public LogLevel Level => level;

    /// <summary>Gets the message alone.</summary>
    public string Message => message;

    /// <summary>Gets the message followed by its fields as <c>key=value</c>.</summary>
    public string Text => text;

    public int Count => fields.Count + 2;

    public KeyValuePair<string, object?> this[int index] =>
        index < fields.Count ? fields[index]
        : index == fields.Count ? new("PluginOutput", message)
        : index == fields.Count + 1 ? new("{OriginalFormat}", "{PluginOutput}")
        : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => text;
}
