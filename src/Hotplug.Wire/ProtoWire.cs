using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Hotplug.Wire;

/// <summary>The protobuf wire types a field's tag carries.</summary>
internal enum WireFormat
{
    Varint = 0,
    Fixed64 = 1,
    Len = 2,
    Fixed32 = 5,
}

/// <summary>Writes protobuf's wire format into a growable buffer.</summary>
internal sealed class ProtoWriter
{
    [ThreadStatic]
    private static ProtoWriter? _spare;

    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    /// <summary>Takes a cleared writer for a nested message; give it back with <see cref="Return"/>.</summary>
    public static ProtoWriter Rent()
    {
        var writer = _spare ?? new ProtoWriter();
        _spare = null;
        return writer;
    }

    public static void Return(ProtoWriter writer)
    {
        // Kept for the thread's next message up to 1 MiB, so large payloads do not allocate a large buffer per call.
        if (writer._buffer.Capacity <= 1024 * 1024)
        {
            writer._buffer.ResetWrittenCount();
            _spare = writer;
        }
    }

    public void Tag(int field, WireFormat format) => Varint(((ulong)(uint)field << 3) | (uint)format);

    public void Varint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    public void Fixed32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void Fixed64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        Varint((uint)value.Length);
        _buffer.Write(value);
    }

    public void String(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        Varint((uint)length);
        var written = Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(written);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}

/// <summary>Reads protobuf's wire format from a span.</summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool End => _position >= _data.Length;

    public (int Field, WireFormat Format) Tag()
    {
        var tag = Varint();
        var field = tag >> 3;
        if (field is 0 or > int.MaxValue)
        {
            throw new InvalidDataException($"invalid field number {field}");
        }

        return ((int)field, (WireFormat)(tag & 7));
    }

    public ulong Varint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new InvalidDataException("the message ends inside a varint");
            }

            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new InvalidDataException("a varint is longer than 10 bytes");
    }

    public uint Fixed32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong Fixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public ReadOnlySpan<byte> LengthDelimited()
    {
        var length = Varint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new InvalidDataException($"a length of {length} runs past the end of the message");
        }

        return Take((int)length);
    }

    public void Skip(WireFormat format)
    {
        switch (format)
        {
            case WireFormat.Varint: Varint(); break;
            case WireFormat.Fixed64: Take(8); break;
            case WireFormat.Fixed32: Take(4); break;
            case WireFormat.Len: LengthDelimited(); break;
            default: throw new InvalidDataException($"unsupported wire type {(int)format}");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position)
        {
            throw new InvalidDataException("the message ends inside a field");
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}
