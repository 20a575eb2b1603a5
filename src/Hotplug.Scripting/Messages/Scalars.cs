using System.Globalization;

namespace Hotplug.Scripting.Messages;

/// <summary>One scalar type's conversions to and from what a script holds (bool, long, double, string).</summary>
internal sealed class Scalar(MessageKind kind, ScalarType type, string description, Func<object, object> toScript, Func<object, (object? Value, string? Error)> fromScript)
{
    public MessageKind Kind { get; } = kind;

    public ScalarType Type { get; } = type;

    public string Description { get; } = description;

    public object ToScript(object value) => toScript(value);

    public object? FromScript(object value, out string? error)
    {
        (var result, error) = fromScript(value);
        return result;
    }
}

/// <summary>The scalars scripts exchange.</summary>
internal static class Scalars
{
    private const string WholeNumber = "a whole number";
    private const string Text = "text";

    public static Scalar? TryCreate(Type type)
    {
        if (type.IsEnum)
        {
            return Enum(type);
        }

        return System.Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => new Scalar(MessageKind.Boolean, ScalarType.Boolean, "a boolean", v => v, v => v is bool ? (v, null) : Wrong("a boolean", v)),
            TypeCode.Int32 => Integer(ScalarType.Int32, int.MinValue, int.MaxValue, l => (int)l),
            TypeCode.Int64 => Integer(ScalarType.Int64, long.MinValue, long.MaxValue, l => l),
            TypeCode.Int16 => Integer(ScalarType.Other, short.MinValue, short.MaxValue, l => (short)l),
            TypeCode.SByte => Integer(ScalarType.Other, sbyte.MinValue, sbyte.MaxValue, l => (sbyte)l),
            TypeCode.Byte => Integer(ScalarType.Other, byte.MinValue, byte.MaxValue, l => (byte)l),
            TypeCode.UInt16 => Integer(ScalarType.Other, ushort.MinValue, ushort.MaxValue, l => (ushort)l),
            TypeCode.UInt32 => Integer(ScalarType.Other, uint.MinValue, uint.MaxValue, l => (uint)l),
            TypeCode.UInt64 => Integer(ScalarType.Other, 0, long.MaxValue, l => (ulong)l),
            TypeCode.Double => Number(ScalarType.Double, d => d, v => (double)v),
            TypeCode.Single => Number(ScalarType.Other, d => (float)d, v => (double)(float)v),
            TypeCode.Decimal => Number(ScalarType.Other, d => (decimal)d, v => (double)(decimal)v),
            TypeCode.String => new Scalar(MessageKind.String, ScalarType.String, Text, v => v, v => v is string ? (v, null) : Wrong(Text, v)),
            TypeCode.Char => Parsed(ScalarType.Other, v => v.ToString()!, s => s.Length == 1 ? s[0] : null, "one character"),
            TypeCode.DateTime => Parsed(ScalarType.Other, v => ((DateTime)v).ToString("O", CultureInfo.InvariantCulture), s => DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var d) ? d : null, "a date and time such as 2026-12-01T10:00:00Z"),
            _ when type == typeof(Guid) => Parsed(ScalarType.Other, v => ((Guid)v).ToString("D"), s => Guid.TryParse(s, out var g) ? g : null, "a GUID"),
            _ when type == typeof(DateTimeOffset) => Parsed(ScalarType.Other, v => ((DateTimeOffset)v).ToString("O", CultureInfo.InvariantCulture), s => DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null, "a date and time such as 2026-12-01T10:00:00Z"),
            _ when type == typeof(DateOnly) => Parsed(ScalarType.Other, v => ((DateOnly)v).ToString("O", CultureInfo.InvariantCulture), s => DateOnly.TryParse(s, CultureInfo.InvariantCulture, out var d) ? d : null, "a date such as 2026-12-01"),
            _ when type == typeof(TimeOnly) => Parsed(ScalarType.Other, v => ((TimeOnly)v).ToString("O", CultureInfo.InvariantCulture), s => TimeOnly.TryParse(s, CultureInfo.InvariantCulture, out var t) ? t : null, "a time such as 10:30:00"),
            _ when type == typeof(TimeSpan) => Parsed(ScalarType.Other, v => ((TimeSpan)v).ToString("c", CultureInfo.InvariantCulture), s => TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var t) ? t : null, "a duration such as 00:00:05"),
            _ when type == typeof(Uri) => Parsed(ScalarType.Other, v => ((Uri)v).OriginalString, s => Uri.TryCreate(s, UriKind.RelativeOrAbsolute, out var u) ? u : null, "a URI"),
            _ => null,
        };
    }

    private static Scalar Integer(ScalarType type, long min, long max, Func<long, object> box) => new(MessageKind.Integer, type, WholeNumber, v => Convert.ToInt64(v, CultureInfo.InvariantCulture), v =>
    {
        long whole;
        switch (v)
        {
            case long l:
                whole = l;
                break;
            case int i:
                whole = i;
                break;
            case double d when Math.Floor(d) == d && d >= long.MinValue && d < 9.2233720368547758e18:
                whole = (long)d;
                break;
            default:
                return Wrong(WholeNumber, v);
        }

        return whole < min || whole > max
            ? (null, $"{whole} is out of range: expected a whole number from {min} to {max}")
            : (box(whole), null);
    });

    private static Scalar Number(ScalarType type, Func<double, object> box, Func<object, double> toDouble) => new(MessageKind.Number, type, "a number", v => toDouble(v), v => v switch
    {
        double d => (box(d), null),
        long l => (box(l), null),
        int i => (box(i), null),
        _ => Wrong("a number", v),
    });

    private static Scalar Parsed(ScalarType type, Func<object, string> format, Func<string, object?> parse, string expected) => new(MessageKind.String, type, expected, format, v =>
        v is string s && parse(s) is { } parsed ? (parsed, null) : Wrong(expected, v));

    private static Scalar Enum(Type type)
    {
        var names = System.Enum.GetNames(type);
        var expected = $"one of {string.Join(", ", names.Select(n => $"\"{ScriptNames.LowerCamel(n)}\""))}";
        return new Scalar(MessageKind.String, ScalarType.Other, expected, v => ScriptNames.LowerCamel(v.ToString()!), v => v switch
        {
            string s when System.Enum.TryParse(type, s, ignoreCase: true, out var e) && names.Contains(e!.ToString(), StringComparer.Ordinal) => (e, null),
            long l when System.Enum.IsDefined(type, System.Enum.ToObject(type, l)) => (System.Enum.ToObject(type, l), null),
            _ => Wrong(expected, v),
        });
    }

    private static (object? Value, string? Error) Wrong(string expected, object value) => (null, $"expected {expected}, got {MessageShape.Describe(value)}");
}
