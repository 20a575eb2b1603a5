using System.Buffers;
using System.Threading.Channels;
using Grpc.Core;

namespace Hotplug.Process.Protocol.Frames;

/// <summary>One call on a connection, either way: what the read loop hands its frames to.</summary>
internal abstract class FrameStream
{
    /// <summary>A frame of this call, on the read loop: the payload is valid only until this returns.</summary>
    public abstract void OnFrame(FrameKind kind, FrameFlags flags, ReadOnlyMemory<byte> payload);

    /// <summary>The connection closed under the call.</summary>
    public abstract void OnClosed(Exception reason);

    /// <summary>A message of the call was larger than this side takes; the call is already removed.</summary>
    public abstract void OnTooLarge(Status status);
}

/// <summary>Serializes one message or control payload; one per thread, reused.</summary>
internal sealed class FrameSerializationContext : SerializationContext
{
    // Two per thread: a call and its request are serialized together.
    [ThreadStatic]
    private static FrameSerializationContext? t_first;

    [ThreadStatic]
    private static FrameSerializationContext? t_second;

    private const int CachedCapacity = 256 * 1024;

    private byte[]? _complete;

    public ArrayBufferWriter<byte> Writer { get; } = new(256);

    public ReadOnlySpan<byte> Payload => _complete ?? Writer.WrittenSpan;

    public static FrameSerializationContext Rent()
    {
        FrameSerializationContext? context;
        if ((context = t_first) is not null)
        {
            t_first = null;
            return context;
        }

        if ((context = t_second) is not null)
        {
            t_second = null;
            return context;
        }

        return new FrameSerializationContext();
    }

    public void Return()
    {
        _complete = null;
        Writer.ResetWrittenCount();
        // Kept for the next message on this thread, up to a size that messages of 64 KiB and more fit in without
        // growing again (each growth of a large buffer is a large-object allocation).
        if (Writer.Capacity > CachedCapacity)
        {
            return;
        }

        if (t_first is null)
        {
            t_first = this;
        }
        else
        {
            t_second ??= this;
        }
    }

    public override void Complete(byte[] payload) => _complete = payload;

    public override IBufferWriter<byte> GetBufferWriter() => Writer;

    /// <summary>Makes room for the whole message at once, so the writer grows once, not by doubling.</summary>
    public override void SetPayloadLength(int payloadLength) => Writer.GetSpan(payloadLength);

    public override void Complete()
    {
    }
}

/// <summary>A received message, for a marshaller to decode.</summary>
internal sealed class FrameDeserializationContext : DeserializationContext
{
    public ReadOnlyMemory<byte> Payload { get; set; }

    public override int PayloadLength => Payload.Length;

    public override byte[] PayloadAsNewBuffer() => Payload.ToArray();

    public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(Payload);
}

/// <summary>
/// The messages of one stream that arrived and are not read yet: at most <see cref="FrameProtocol.InitialWindow"/>,
/// the credit the reader gave; as it reads, credit goes back to the sender half a window at a time.
/// </summary>
internal sealed class FrameInbox<T>
{
    private readonly Channel<T> _items = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private int _unread;
    private int _consumed;

    /// <summary>Adds a message that arrived; <see langword="false"/> when the sender went past its credit.</summary>
    public bool TryAdd(T item)
    {
        if (Interlocked.Increment(ref _unread) > FrameProtocol.InitialWindow)
        {
            return false;
        }

        _items.Writer.TryWrite(item);
        return true;
    }

    /// <summary>No more messages come: the reader reads what is left, then the end, or <paramref name="error"/>.</summary>
    public void Complete(Exception? error = null) => _items.Writer.TryComplete(error);

    /// <summary>The next message, or none at the end of the stream; gives credit back on <paramref name="connection"/> as it reads.</summary>
    public async ValueTask<(bool Read, T Item)> ReadAsync(FrameConnection connection, uint stream, CancellationToken cancellationToken)
    {
        var reader = _items.Reader;
        T? item;
        while (!reader.TryRead(out item))
        {
            if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return (false, default!);
            }
        }

        Interlocked.Decrement(ref _unread);
        if (++_consumed == FrameProtocol.InitialWindow / 2)
        {
            // Past the call's end the peer drops it, and a closed connection sends nothing.
            _consumed = 0;
            connection.SendWindow(stream, FrameProtocol.InitialWindow / 2);
        }

        return (true, item);
    }
}
