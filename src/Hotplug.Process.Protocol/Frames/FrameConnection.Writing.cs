using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Grpc.Core;

namespace Hotplug.Process.Protocol.Frames;

/// <summary>A connection's writes: frames appended under one lock, and sent in batches by whichever writer found no send under way.</summary>
internal sealed partial class FrameConnection
{
    /// <summary>Sends a frame with <paramref name="payload"/>; on a closed connection, nothing (its calls were ended).</summary>
    internal void Send(FrameKind kind, FrameFlags flags, uint stream, ReadOnlySpan<byte> payload) =>
        Send(kind, flags, stream, payload, default, default, ReadOnlySpan<byte>.Empty);

    /// <summary>Sends a frame, and a second one right behind it in the same batch (a call and its one message).</summary>
    internal void Send(FrameKind kind, FrameFlags flags, uint stream, ReadOnlySpan<byte> payload, FrameKind secondKind, FrameFlags secondFlags, ReadOnlySpan<byte> secondPayload)
    {
        bool flush;
        lock (_writeLock)
        {
            if (_closeReason is not null)
            {
                return;
            }

            Append(kind, flags, stream, payload);
            if (secondKind != 0)
            {
                Append(secondKind, secondFlags, stream, secondPayload);
            }

            flush = !_flushing;
            _flushing = true;
        }

        if (flush)
        {
            _ = FlushAsync();
        }
    }

    /// <summary>Sends a message, serialized by <paramref name="marshaller"/> on this thread.</summary>
    internal void SendMessage<T>(FrameFlags flags, uint stream, Marshaller<T> marshaller, T message)
    {
        var context = FrameSerializationContext.Rent();
        try
        {
            marshaller.ContextualSerializer(message, context);
            Send(FrameKind.Message, flags, stream, context.Payload);
        }
        finally
        {
            context.Return();
        }
    }

    /// <summary>Opens a call: its <see cref="FrameKind.Call"/> frame and, for a call with one request, that message in the same batch.</summary>
    internal void SendCall<T>(uint stream, string method, long timeoutMicroseconds, Metadata? headers, Marshaller<T>? marshaller, T? request)
    {
        var call = FrameSerializationContext.Rent();
        var message = marshaller is null ? null : FrameSerializationContext.Rent();
        try
        {
            FrameProtocol.WriteCall(call.Writer, method, timeoutMicroseconds, headers);
            if (message is null)
            {
                Send(FrameKind.Call, FrameFlags.None, stream, call.Payload);
                return;
            }

            marshaller!.ContextualSerializer(request!, message);
            Send(FrameKind.Call, FrameFlags.None, stream, call.Payload, FrameKind.Message, FrameFlags.EndOfStream, message.Payload);
        }
        finally
        {
            call.Return();
            message?.Return();
        }
    }

    /// <summary>Ends a call the peer made: its status and trailers.</summary>
    internal void SendStatus(uint stream, Status status, Metadata? trailers)
    {
        var context = FrameSerializationContext.Rent();
        try
        {
            FrameProtocol.WriteStatus(context.Writer, status, trailers);
            Send(FrameKind.Status, FrameFlags.None, stream, context.Payload);
        }
        finally
        {
            context.Return();
        }
    }

    /// <summary>Ends a call the peer made with its one response and its status, in one batch.</summary>
    internal void SendResponse<T>(uint stream, Marshaller<T> marshaller, T response, Status status, Metadata? trailers)
    {
        var message = FrameSerializationContext.Rent();
        var end = FrameSerializationContext.Rent();
        try
        {
            marshaller.ContextualSerializer(response, message);
            FrameProtocol.WriteStatus(end.Writer, status, trailers);
            Send(FrameKind.Message, FrameFlags.EndOfStream, stream, message.Payload, FrameKind.Status, FrameFlags.None, end.Payload);
        }
        finally
        {
            message.Return();
            end.Return();
        }
    }

    /// <summary>Gives the peer credit for <paramref name="count"/> more messages on a stream.</summary>
    internal void SendWindow(uint stream, int count)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)count);
        Send(FrameKind.Window, FrameFlags.None, stream, payload);
    }

    private void Append(FrameKind kind, FrameFlags flags, uint stream, ReadOnlySpan<byte> payload)
    {
        var span = _pending.GetSpan(FrameProtocol.HeaderSize + payload.Length);
        FrameProtocol.WriteHeader(span, kind, flags, stream, payload.Length);
        payload.CopyTo(span[FrameProtocol.HeaderSize..]);
        _pending.Advance(FrameProtocol.HeaderSize + payload.Length);
    }

    /// <summary>
    /// Sends what is pending, and what was added meanwhile, until nothing is: started by the writer that found no send
    /// under way, on its own thread (a Unix socket's send seldom waits), so a lone call pays no hand-off.
    /// </summary>
    private async Task FlushAsync()
    {
        try
        {
            while (true)
            {
                ArrayBufferWriter<byte> batch;
                lock (_writeLock)
                {
                    if (_pending.WrittenCount == 0 || _closeReason is not null)
                    {
                        _flushing = false;
                        return;
                    }

                    batch = _pending;
                    _pending = _spare ?? new ArrayBufferWriter<byte>(ReadBufferSize);
                    _spare = null;
                }

                var memory = batch.WrittenMemory;
                while (!memory.IsEmpty)
                {
                    var sent = await _socket.SendAsync(memory, SocketFlags.None).ConfigureAwait(false);
                    memory = memory[sent..];
                }

                batch.ResetWrittenCount();
                lock (_writeLock)
                {
                    _spare = batch.Capacity > SpareLimit ? null : batch;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            lock (_writeLock)
            {
                _flushing = false;
            }

            Close(new FrameConnectionException($"the connection broke while sending: {ex.Message}", ex));
        }
    }
}
