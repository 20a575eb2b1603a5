using System.Globalization;
using System.Text;

namespace Hotplug.Wire;

/// <summary>Reads one value's body; the reader stands after its tag.</summary>
internal delegate object ValueReader(ref ProtoReader reader);

/// <summary>How a .NET type travels on the wire: its protobuf type, encoding and empty value.</summary>
internal abstract class WireType
{
    /// <summary>Gets the type's name in a <c>.proto</c> file.</summary>
    public abstract string ProtoName { get; }

    public abstract WireFormat Format { get; }

    /// <summary>Gets whether a repeated field of this type is packed (numbers and enums).</summary>
    public bool Packable => Format != WireFormat.Len;

    /// <summary>Gets the value of a field the message does not carry.</summary>
    public abstract object? Empty { get; }

    public abstract void Write(ProtoWriter writer, object value);

    public abstract object Read(ref ProtoReader reader);

    /// <summary>Returns whether proto3 leaves the value out (zero, false, empty).</summary>
    public abstract bool IsDefault(object value);
}

/// <summary>A scalar: a number, bool, string or bytes, or a .NET type carried as one (decimal and Guid as strings).</summary>
internal sealed class ScalarType(string protoName, WireFormat format, object empty, Action<ProtoWriter, object> write, ValueReader read) : WireType
{
    public override string ProtoName => protoName;

    public override WireFormat Format => format;

    public override object? Empty => empty;

    public override void Write(ProtoWriter writer, object value) => write(writer, value);

    public override object Read(ref ProtoReader reader) => read(ref reader);

    public override bool IsDefault(object value) => value.Equals(empty) || (value is byte[] { Length: 0 });

    public static readonly IReadOnlyDictionary<Type, ScalarType> Known = new Dictionary<Type, ScalarType>
    {
        [typeof(bool)] = new("bool", WireFormat.Varint, false, (w, v) => w.Varint((bool)v ? 1UL : 0UL), (ref ProtoReader r) => r.Varint() != 0),
        [typeof(int)] = new("int32", WireFormat.Varint, 0, (w, v) => w.Varint((ulong)(long)(int)v), (ref ProtoReader r) => (int)r.Varint()),
        [typeof(short)] = new("int32", WireFormat.Varint, (short)0, (w, v) => w.Varint((ulong)(long)(short)v), (ref ProtoReader r) => (short)r.Varint()),
        [typeof(sbyte)] = new("int32", WireFormat.Varint, (sbyte)0, (w, v) => w.Varint((ulong)(long)(sbyte)v), (ref ProtoReader r) => (sbyte)r.Varint()),
        [typeof(long)] = new("int64", WireFormat.Varint, 0L, (w, v) => w.Varint((ulong)(long)v), (ref ProtoReader r) => (long)r.Varint()),
        [typeof(uint)] = new("uint32", WireFormat.Varint, 0U, (w, v) => w.Varint((uint)v), (ref ProtoReader r) => (uint)r.Varint()),
        [typeof(ushort)] = new("uint32", WireFormat.Varint, (ushort)0, (w, v) => w.Varint((ushort)v), (ref ProtoReader r) => (ushort)r.Varint()),
        [typeof(byte)] = new("uint32", WireFormat.Varint, (byte)0, (w, v) => w.Varint((byte)v), (ref ProtoReader r) => (byte)r.Varint()),
        [typeof(ulong)] = new("uint64", WireFormat.Varint, 0UL, (w, v) => w.Varint((ulong)v), (ref ProtoReader r) => r.Varint()),
        [typeof(float)] = new("float", WireFormat.Fixed32, 0F, (w, v) => w.Fixed32(BitConverter.SingleToUInt32Bits((float)v)), (ref ProtoReader r) => BitConverter.UInt32BitsToSingle(r.Fixed32())),
        [typeof(double)] = new("double", WireFormat.Fixed64, 0D, (w, v) => w.Fixed64(BitConverter.DoubleToUInt64Bits((double)v)), (ref ProtoReader r) => BitConverter.UInt64BitsToDouble(r.Fixed64())),
        [typeof(string)] = new("string", WireFormat.Len, string.Empty, (w, v) => w.String((string)v), (ref ProtoReader r) => Encoding.UTF8.GetString(r.LengthDelimited())),
        [typeof(byte[])] = new("bytes", WireFormat.Len, Array.Empty<byte>(), (w, v) => w.Bytes((byte[])v), (ref ProtoReader r) => r.LengthDelimited().ToArray()),
        [typeof(decimal)] = new("string", WireFormat.Len, 0M, (w, v) => w.String(((decimal)v).ToString(CultureInfo.InvariantCulture)), (ref ProtoReader r) => decimal.Parse(Encoding.UTF8.GetString(r.LengthDelimited()), NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture)),
        [typeof(Guid)] = new("string", WireFormat.Len, Guid.Empty, (w, v) => w.String(((Guid)v).ToString("D")), (ref ProtoReader r) => Guid.Parse(Encoding.UTF8.GetString(r.LengthDelimited()))),
    };
}

/// <summary>An enum, carried as its number; exported with its members.</summary>
internal sealed class EnumType(Type type) : WireType
{
    public Type ClrType => type;

    public override string ProtoName => type.Name;

    public override WireFormat Format => WireFormat.Varint;

    public override object? Empty => Enum.ToObject(type, 0);

    public override void Write(ProtoWriter writer, object value) => writer.Varint((ulong)Convert.ToInt64(value, CultureInfo.InvariantCulture));

    public override object Read(ref ProtoReader reader) => Enum.ToObject(type, (long)(int)reader.Varint());

    public override bool IsDefault(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture) == 0;
}

/// <summary>google.protobuf.Timestamp for <see cref="DateTimeOffset"/> and <see cref="DateTime"/>, google.protobuf.Duration for <see cref="TimeSpan"/>.</summary>
internal sealed class WellKnownType(Type type) : WireType
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;

    public override string ProtoName => type == typeof(TimeSpan) ? "google.protobuf.Duration" : "google.protobuf.Timestamp";

    public override WireFormat Format => WireFormat.Len;

    public override object? Empty => type == typeof(TimeSpan) ? TimeSpan.Zero : type == typeof(DateTime) ? DateTime.UnixEpoch : DateTimeOffset.UnixEpoch;

    public override bool IsDefault(object value) => false;

    public override void Write(ProtoWriter writer, object value)
    {
        var ticks = value switch
        {
            TimeSpan span => span.Ticks,
            DateTimeOffset offset => offset.UtcTicks - DateTime.UnixEpoch.Ticks,
            DateTime time => time.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks,
            _ => throw new InvalidOperationException($"unexpected {value.GetType()}"),
        };
        var seconds = Math.DivRem(ticks, TicksPerSecond, out var rest);
        if (rest < 0 && type != typeof(TimeSpan))
        {
            // Timestamps keep nanos positive; durations keep the sign of the seconds.
            seconds--;
            rest += TicksPerSecond;
        }

        var inner = ProtoWriter.Rent();
        if (seconds != 0)
        {
            inner.Tag(1, WireFormat.Varint);
            inner.Varint((ulong)seconds);
        }

        if (rest != 0)
        {
            inner.Tag(2, WireFormat.Varint);
            inner.Varint((ulong)(long)(int)(rest * 100));
        }

        writer.Bytes(inner.Written);
        ProtoWriter.Return(inner);
    }

    public override object Read(ref ProtoReader reader)
    {
        var body = new ProtoReader(reader.LengthDelimited());
        long seconds = 0, nanos = 0;
        while (!body.End)
        {
            var (field, format) = body.Tag();
            switch (field)
            {
                case 1 when format == WireFormat.Varint: seconds = (long)body.Varint(); break;
                case 2 when format == WireFormat.Varint: nanos = (int)body.Varint(); break;
                default: body.Skip(format); break;
            }
        }

        var ticks = (seconds * TicksPerSecond) + (nanos / 100);
        return type == typeof(TimeSpan) ? TimeSpan.FromTicks(ticks)
            : type == typeof(DateTime) ? new DateTime(DateTime.UnixEpoch.Ticks + ticks, DateTimeKind.Utc)
            : new DateTimeOffset(DateTime.UnixEpoch.Ticks + ticks, TimeSpan.Zero);
    }
}
