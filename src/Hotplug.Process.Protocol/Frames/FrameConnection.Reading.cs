using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Grpc.Core;

namespace Hotplug.Process.Protocol.Frames;

/// <summary>A connection's read loop: frames read into one buffer and handed to their calls, a peer's new calls to <see cref="FrameHandlers"/>.</summary>
internal sealed partial class FrameConnection
{
    /// <summary>Decodes a message of a call with <paramref name="marshaller"/>: on the read loop, from its buffer.</summary>
    internal T Deserialize<T>(Marshaller<T> marshaller, ReadOnlyMemory<byte> payload)
    {
        _deserialization.Payload = payload;
        try
        {
            return marshaller.ContextualDeserializer(_deserialization);
        }
        finally
        {
            _deserialization.Payload = default;
        }
    }

    private void Run() => _ = Task.Run(ReadLoopAsync);

    private async Task ReadLoopAsync()
    {
        Exception reason;
        try
        {
            while (true)
            {
                if (!await EnsureAsync(4).ConfigureAwait(false))
                {
                    reason = new FrameConnectionException("the peer closed the connection");
                    break;
                }

                var length = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
                if (length < FrameProtocol.LengthOverhead)
                {
                    throw new InvalidDataException($"a frame's length is {length}, less than its header's {FrameProtocol.LengthOverhead} bytes");
                }

                if (!await EnsureAsync(FrameProtocol.HeaderSize).ConfigureAwait(false))
                {
                    reason = new FrameConnectionException("the peer closed the connection within a frame");
                    break;
                }

                var kind = (FrameKind)_buffer[_start + 4];
                var flags = (FrameFlags)_buffer[_start + 5];
                var id = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start + 6));
                var payloadLength = (long)length - FrameProtocol.LengthOverhead;
                if (payloadLength > (kind == FrameKind.Message ? MaxMessageSize : FrameProtocol.MaxControlPayload))
                {
                    if (kind != FrameKind.Message)
                    {
                        throw new InvalidDataException($"a {kind} frame of {payloadLength} bytes is larger than the {FrameProtocol.MaxControlPayload} such a frame may be");
                    }

                    // Read past it, and fail only its call: the connection and the other calls go on.
                    _start += FrameProtocol.HeaderSize;
                    if (!await SkipAsync(payloadLength).ConfigureAwait(false))
                    {
                        reason = new FrameConnectionException("the peer closed the connection within a frame");
                        break;
                    }

                    TooLarge(id, payloadLength);
                    continue;
                }

                var total = FrameProtocol.HeaderSize + (int)payloadLength;
                if (!await EnsureAsync(total).ConfigureAwait(false))
                {
                    reason = new FrameConnectionException("the peer closed the connection within a frame");
                    break;
                }

                Dispatch(kind, flags, id, _buffer.AsMemory(_start + FrameProtocol.HeaderSize, (int)payloadLength));
                _start += total;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException)
        {
            reason = new FrameConnectionException($"the peer broke the fast-lane protocol: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            reason = new FrameConnectionException($"the connection broke: {ex.Message}", ex);
        }

        Close(reason);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    /// <summary>Reads until the buffer holds <paramref name="count"/> bytes from <see cref="_start"/>; false at the end of the connection.</summary>
    private async ValueTask<bool> EnsureAsync(int count)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        if (_start == _end)
        {
            _start = _end = 0;
        }

        if (_buffer.Length - _start < count)
        {
            // Room for the whole frame: moved to the front, or into a larger buffer.
            var target = _buffer.Length >= count ? _buffer : ArrayPool<byte>.Shared.Rent(count);
            Buffer.BlockCopy(_buffer, _start, target, 0, _end - _start);
            if (!ReferenceEquals(target, _buffer))
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = target;
            }

            _end -= _start;
            _start = 0;
        }

        while (_end - _start < count)
        {
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }

    private async ValueTask<bool> SkipAsync(long count)
    {
        while (count > 0)
        {
            if (_start == _end && !await EnsureAsync(1).ConfigureAwait(false))
            {
                return false;
            }

            var taken = (int)Math.Min(count, _end - _start);
            _start += taken;
            count -= taken;
        }

        return true;
    }

    private void Dispatch(FrameKind kind, FrameFlags flags, uint id, ReadOnlyMemory<byte> payload)
    {
        if (kind is < FrameKind.Call or > FrameKind.Window)
        {
            throw new InvalidDataException($"frame kind {(byte)kind} is unknown");
        }

        var mine = (id & 1) == (_nextId & 1);
        if (kind == FrameKind.Call)
        {
            if (mine || _streams.ContainsKey(id))
            {
                throw new InvalidDataException($"a call opened stream {id}, which is {(mine ? "of this side's numbering" : "open already")}");
            }

            var (method, timeout, headers) = FrameProtocol.ReadCall(payload.Span);
            if (_handlers?.Find(method) is not { } handler)
            {
                SendStatus(id, new Status(StatusCode.Unimplemented, $"Method is unimplemented: {method}"), null);
                return;
            }

            handler.Start(this, id, headers, timeout);
            return;
        }

        if (_streams.TryGetValue(id, out var stream))
        {
            stream.OnFrame(kind, flags, payload);
        }

        // Else a call that ended already (cancelled, timed out): what was on its way is dropped.
    }

    private void TooLarge(uint id, long size)
    {
        if (!_streams.TryRemove(id, out var stream))
        {
            return;
        }

        var status = new Status(StatusCode.ResourceExhausted, $"Received message exceeds the maximum configured message size: {size} bytes, more than {MaxMessageSize}.");
        stream.OnTooLarge(status);
    }
}
