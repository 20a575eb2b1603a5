using System.Buffers.Binary;
using System.Text;
using NetMQ;

namespace Hotplug.Bus.Protocol;

/// <summary>What a bus message is: the second byte of its header frame. See <c>docs/bus-plugins.md</c>, "Frames".</summary>
internal enum FrameKind : byte
{
    Hello = 1,
    Challenge = 2,
    Prove = 3,
    Welcome = 4,
    Refused = 5,
    Heartbeat = 6,
    Bye = 7,
    Started = 8,
    Error = 9,
    Request = 10,
    Reply = 11,
    Cancel = 12,
    Survey = 13,
    Push = 14,
    Ack = 15,
    Health = 16,
    Subscribe = 20,
    Unsubscribe = 21,
    Publish = 22,
    BusJoin = 23,
    BusMessage = 24,
    PairOpen = 25,
    PairOpened = 26,
    PairRefused = 27,
    PairMessage = 28,
    PairClose = 29,
}

/// <summary>How a call ended, carried in the header's argument of a <see cref="FrameKind.Reply"/> or <see cref="FrameKind.Ack"/>.</summary>
internal enum ReplyStatus
{
    Ok = 0,
    Failed = 1,
    Unknown = 2,
    Malformed = 3,
    TooLarge = 4,
    Cancelled = 5,
}

/// <summary>
/// The first frame of every bus message, 14 bytes: protocol version (1), kind, a 64-bit id (call, survey, item or
/// sequence number) and a 32-bit argument (a deadline in milliseconds, a status, a credit), little-endian.
/// </summary>
internal readonly record struct BusHeader(FrameKind Kind, ulong Id, int Argument = 0)
{
    public const byte ProtocolVersion = 1;

    public const int Size = 14;

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        bytes[0] = ProtocolVersion;
        bytes[1] = (byte)Kind;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(2), Id);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), Argument);
        return bytes;
    }

    /// <summary>Reads a header; a frame of another size or protocol version is not one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> frame, out BusHeader header)
    {
        header = default;
        if (frame.Length != Size || frame[0] != ProtocolVersion || !Enum.IsDefined((FrameKind)frame[1]))
        {
            return false;
        }

        header = new BusHeader((FrameKind)frame[1], BinaryPrimitives.ReadUInt64LittleEndian(frame[2..]), BinaryPrimitives.ReadInt32LittleEndian(frame[10..]));
        return true;
    }
}

/// <summary>Builds and reads the frames that follow a header.</summary>
internal static class BusFrames
{
    /// <summary>A message: header, then the given frames.</summary>
    public static NetMQMessage Message(BusHeader header, params ReadOnlySpan<byte[]> frames)
    {
        var message = new NetMQMessage(frames.Length + 2);
        message.Append(header.ToBytes());
        foreach (var frame in frames)
        {
            message.Append(frame);
        }

        return message;
    }

    public static byte[] Text(string value) => Encoding.UTF8.GetBytes(value);

    public static string Text(NetMQFrame frame) => frame.ConvertToString(Encoding.UTF8);

    /// <summary>The sum of a message's frame sizes from <paramref name="first"/> on: what the size limit counts.</summary>
    public static long Size(NetMQMessage message, int first)
    {
        long size = 0;
        for (var i = first; i < message.FrameCount; i++)
        {
            size += message[i].MessageSize;
        }

        return size;
    }
}
