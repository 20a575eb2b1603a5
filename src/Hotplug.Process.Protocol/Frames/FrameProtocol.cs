using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Grpc.Core;

namespace Hotplug.Process.Protocol.Frames;

/// <summary>
/// Hotplug's fast lane between a Hotplug host and a plugin written with Hotplug.Process.Plugin: gRPC's calls, streams,
/// metadata, deadlines and statuses carried as length-prefixed frames on one Unix socket, instead of HTTP/2. The host
/// offers it in <see cref="ProtocolEnvironment.FastLane"/>; a plugin that takes it prints <see cref="Name"/> as the
/// handshake's protocol. docs/protocol.md §10 describes every field.
/// </summary>
/// <remarks>
/// <para>A frame: <c>length</c> (uint32, little-endian: the bytes that follow it), <c>kind</c> (<see cref="FrameKind"/>),
/// <c>flags</c> (<see cref="FrameFlags"/>), <c>stream</c> (uint32, little-endian), then the payload.</para>
/// <para>The side that connected (the host) numbers its calls with odd stream ids, the side that accepted (the
/// plugin) with even ones, so both call each other on one connection: the plugin reaches the host's services on it.</para>
/// </remarks>
internal static class FrameProtocol
{
    /// <summary>The handshake's protocol field of a plugin that serves the fast lane.</summary>
    public const string Name = "hotplug-frames";

    /// <summary>The bytes the connecting side sends first, followed by the <see cref="TokenLength"/> ASCII characters of the host's token.</summary>
    public static ReadOnlySpan<byte> Preface => "HPF1"u8;

    /// <summary>The length of the token, in hexadecimal characters.</summary>
    public const int TokenLength = 32;

    /// <summary>The bytes of a frame before its payload: length, kind, flags, stream.</summary>
    public const int HeaderSize = 10;

    /// <summary>What a frame's length covers besides the payload: kind, flags, stream.</summary>
    public const int LengthOverhead = 6;

    /// <summary>How many messages one side may send on a stream before the other gives credit back (<see cref="FrameKind.Window"/>).</summary>
    public const int InitialWindow = 64;

    /// <summary>The most bytes a frame other than a message may carry (a call's method name and metadata, a status).</summary>
    public const int MaxControlPayload = 64 * 1024;

    /// <summary>A made-up token for the host to send: 16 random bytes in hexadecimal.</summary>
    public static string NewToken() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(TokenLength / 2));

    /// <summary>Writes a frame header into <paramref name="destination"/>.</summary>
    public static void WriteHeader(Span<byte> destination, FrameKind kind, FrameFlags flags, uint stream, int payloadLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(payloadLength + LengthOverhead));
        destination[4] = (byte)kind;
        destination[5] = (byte)flags;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[6..], stream);
    }

    /// <summary>The payload of a <see cref="FrameKind.Call"/> frame: method, timeout in microseconds (-1 for none), request headers.</summary>
    public static void WriteCall(IBufferWriter<byte> writer, string method, long timeoutMicroseconds, Metadata? headers)
    {
        WriteString16(writer, method);
        var span = writer.GetSpan(8);
        BinaryPrimitives.WriteInt64LittleEndian(span, timeoutMicroseconds);
        writer.Advance(8);
        WriteMetadata(writer, headers);
    }

    /// <summary>Reads a <see cref="FrameKind.Call"/> payload.</summary>
    /// <exception cref="FormatException">It is malformed.</exception>
    public static (string Method, long TimeoutMicroseconds, Metadata Headers) ReadCall(ReadOnlySpan<byte> payload)
    {
        var method = ReadString16(ref payload);
        var timeout = BinaryPrimitives.ReadInt64LittleEndian(Take(ref payload, 8));
        var headers = ReadMetadata(ref payload);
        return (method, timeout, headers);
    }

    /// <summary>The payload of a <see cref="FrameKind.Status"/> frame: code (int32), detail (uint32-prefixed UTF-8), trailers.</summary>
    public static void WriteStatus(IBufferWriter<byte> writer, Status status, Metadata? trailers)
    {
        var span = writer.GetSpan(4);
        BinaryPrimitives.WriteInt32LittleEndian(span, (int)status.StatusCode);
        writer.Advance(4);
        var detail = status.Detail ?? string.Empty;
        // A detail longer than a control frame holds is cut: the status still arrives.
        if (detail.Length > MaxControlPayload / 8)
        {
            detail = detail[..(MaxControlPayload / 8)] + "…";
        }

        WriteBytes32(writer, Encoding.UTF8.GetBytes(detail));
        WriteMetadata(writer, trailers);
    }

    /// <summary>Reads a <see cref="FrameKind.Status"/> payload.</summary>
    /// <exception cref="FormatException">It is malformed.</exception>
    public static (Status Status, Metadata Trailers) ReadStatus(ReadOnlySpan<byte> payload)
    {
        var code = (StatusCode)BinaryPrimitives.ReadInt32LittleEndian(Take(ref payload, 4));
        var detail = Encoding.UTF8.GetString(ReadBytes32(ref payload));
        return (new Status(code, detail), ReadMetadata(ref payload));
    }

    /// <summary>Metadata: a uint16 count, then each entry's key (uint8-prefixed ASCII; <c>-bin</c> keys carry bytes) and value (uint32-prefixed).</summary>
    public static void WriteMetadata(IBufferWriter<byte> writer, Metadata? metadata)
    {
        var count = metadata?.Count ?? 0;
        var span = writer.GetSpan(2);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)count);
        writer.Advance(2);
        for (var i = 0; i < count; i++)
        {
            var entry = metadata![i];
            var key = Encoding.ASCII.GetBytes(entry.Key);
            span = writer.GetSpan(1 + key.Length);
            span[0] = (byte)key.Length;
            key.CopyTo(span[1..]);
            writer.Advance(1 + key.Length);
            WriteBytes32(writer, entry.IsBinary ? entry.ValueBytes : Encoding.UTF8.GetBytes(entry.Value));
        }
    }

    /// <summary>Reads a <see cref="FrameKind.Headers"/> payload: metadata alone.</summary>
    /// <exception cref="FormatException">It is malformed.</exception>
    public static Metadata ReadHeaders(ReadOnlySpan<byte> payload) => ReadMetadata(ref payload);

    private static Metadata ReadMetadata(ref ReadOnlySpan<byte> payload)
    {
        var count = BinaryPrimitives.ReadUInt16LittleEndian(Take(ref payload, 2));
        var metadata = new Metadata();
        for (var i = 0; i < count; i++)
        {
            var keyLength = Take(ref payload, 1)[0];
            var key = Encoding.ASCII.GetString(Take(ref payload, keyLength));
            var value = ReadBytes32(ref payload);
            try
            {
                if (key.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal))
                {
                    metadata.Add(key, value.ToArray());
                }
                else
                {
                    metadata.Add(key, Encoding.UTF8.GetString(value));
                }
            }
            catch (ArgumentException ex)
            {
                throw new FormatException($"metadata key '{key}' is not valid: {ex.Message}", ex);
            }
        }

        return metadata;
    }

    private static void WriteString16(IBufferWriter<byte> writer, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        var span = writer.GetSpan(2 + length);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)length);
        Encoding.UTF8.GetBytes(value, span[2..]);
        writer.Advance(2 + length);
    }

    private static string ReadString16(ref ReadOnlySpan<byte> payload)
    {
        var length = BinaryPrimitives.ReadUInt16LittleEndian(Take(ref payload, 2));
        return Encoding.UTF8.GetString(Take(ref payload, length));
    }

    private static void WriteBytes32(IBufferWriter<byte> writer, ReadOnlySpan<byte> value)
    {
        var span = writer.GetSpan(4 + value.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)value.Length);
        value.CopyTo(span[4..]);
        writer.Advance(4 + value.Length);
    }

    private static ReadOnlySpan<byte> ReadBytes32(ref ReadOnlySpan<byte> payload)
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(Take(ref payload, 4));
        return Take(ref payload, length > int.MaxValue ? int.MaxValue : (int)length);
    }

    private static ReadOnlySpan<byte> Take(ref ReadOnlySpan<byte> payload, int count)
    {
        if (payload.Length < count)
        {
            throw new FormatException($"the frame ends {count - payload.Length} bytes early");
        }

        var taken = payload[..count];
        payload = payload[count..];
        return taken;
    }
}

/// <summary>What a frame is.</summary>
internal enum FrameKind : byte
{
    /// <summary>Opens a call (stream id new, of the sender's parity): method, timeout, request headers.</summary>
    Call = 1,

    /// <summary>One message of the call, either way; <see cref="FrameFlags.EndOfStream"/> on the sender's last.</summary>
    Message = 2,

    /// <summary>The caller sends no more messages (after a message without <see cref="FrameFlags.EndOfStream"/>).</summary>
    HalfClose = 3,

    /// <summary>The callee's response headers, before its first message.</summary>
    Headers = 4,

    /// <summary>The callee ends the call: status code, detail, trailers. Nothing of the stream follows.</summary>
    Status = 5,

    /// <summary>The caller gives the call up (cancelled, or its deadline passed): the callee's handler is cancelled.</summary>
    Cancel = 6,

    /// <summary>Credit: the receiver took this many messages (uint32) off the stream, so the sender may send as many more.</summary>
    Window = 7,
}

/// <summary>A frame's flags.</summary>
[Flags]
internal enum FrameFlags : byte
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>On <see cref="FrameKind.Message"/>: the sender's last message on the stream.</summary>
    EndOfStream = 1,
}

/// <summary>The fast lane's connection broke or was closed: the cause of the <c>UNAVAILABLE</c> status of the calls it carried.</summary>
internal sealed class FrameConnectionException(string message, Exception? inner = null) : IOException(message, inner);
