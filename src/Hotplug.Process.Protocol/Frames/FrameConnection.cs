using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;

namespace Hotplug.Process.Protocol.Frames;

/// <summary>
/// One fast-lane connection (<see cref="FrameProtocol"/>): a socket, the calls open on it either way, one loop that
/// reads frames and hands each to its call, and writes gathered into batches, so concurrent callers share a
/// system call. Calls made on it go through <see cref="Invoker"/>; calls the peer makes go to <see cref="FrameHandlers"/>.
/// </summary>
internal sealed class FrameConnection : IAsyncDisposable
{
    private const int ReadBufferSize = 64 * 1024;
    private const int SpareLimit = 1024 * 1024;

    private readonly Socket _socket;
    private readonly FrameHandlers? _handlers;
    private readonly ConcurrentDictionary<uint, FrameStream> _streams = new();
    private readonly Lock _writeLock = new();
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();
    private readonly FrameDeserializationContext _deserialization = new();
    private ArrayBufferWriter<byte> _pending = new(ReadBufferSize);
    private ArrayBufferWriter<byte>? _spare = new(ReadBufferSize);
    private bool _flushing;
    private uint _nextId;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
    private int _start;
    private int _end;
    private Exception? _closeReason;

    private FrameConnection(Socket socket, bool connector, FrameHandlers? handlers, int maxMessageSize)
    {
        _socket = socket;
        _handlers = handlers;
        MaxMessageSize = maxMessageSize;
        // Odd ids for the side that connected, even for the side that accepted.
        _nextId = connector ? 1u : 2u;
        Invoker = new FrameCallInvoker(this);
    }

    /// <summary>Gets the invoker whose calls go to the peer over this connection.</summary>
    public CallInvoker Invoker { get; }

    /// <summary>Gets the largest message this side takes; a larger one fails its call with <c>RESOURCE_EXHAUSTED</c>.</summary>
    public int MaxMessageSize { get; }

    /// <summary>Gets a task that completes, with why, when the connection has closed.</summary>
    public Task<Exception> Closed => _closed.Task;

    /// <summary>Gets a token cancelled when the connection closes.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Gets how many calls are open on the connection, either way.</summary>
    public int OpenCalls => _streams.Count;

    /// <summary>Connects to a plugin's fast-lane socket and sends the preface with the host's token.</summary>
    /// <exception cref="SocketException">The socket cannot be reached.</exception>
    public static async Task<FrameConnection> ConnectAsync(string path, string token, FrameHandlers? handlers, int maxMessageSize, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            var preface = new byte[FrameProtocol.Preface.Length + FrameProtocol.TokenLength];
            FrameProtocol.Preface.CopyTo(preface);
            Encoding.ASCII.GetBytes(token, preface.AsSpan(FrameProtocol.Preface.Length));
            await socket.SendAsync(preface, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new FrameConnection(socket, connector: true, handlers, maxMessageSize);
        connection.Run();
        return connection;
    }

    /// <summary>Takes a connection the listener accepted, once its preface carried <paramref name="token"/>; else closes it and returns <see langword="null"/>.</summary>
    public static async Task<FrameConnection?> AcceptAsync(Socket socket, string token, FrameHandlers handlers, int maxMessageSize, TimeSpan prefaceTimeout)
    {
        var preface = new byte[FrameProtocol.Preface.Length + FrameProtocol.TokenLength];
        var expected = new byte[preface.Length];
        FrameProtocol.Preface.CopyTo(expected);
        Encoding.ASCII.GetBytes(token, expected.AsSpan(FrameProtocol.Preface.Length));
        using var timeout = new CancellationTokenSource(prefaceTimeout);
        try
        {
            var read = 0;
            while (read < preface.Length)
            {
                var n = await socket.ReceiveAsync(preface.AsMemory(read), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            if (read == preface.Length && CryptographicOperations.FixedTimeEquals(preface, expected))
            {
                var connection = new FrameConnection(socket, connector: false, handlers, maxMessageSize);
                connection.Run();
                return connection;
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // Closed below: whoever it is did not say the token in time.
        }

        socket.Dispose();
        return null;
    }

    /// <summary>Closes the connection: every open call ends with <c>UNAVAILABLE</c>, citing <paramref name="reason"/>.</summary>
    public void Close(Exception reason)
    {
        lock (_writeLock)
        {
            if (_closeReason is not null)
            {
                return;
            }

            _closeReason = reason;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _socket.Dispose();
        _closing.Cancel();
        foreach (var stream in _streams.Values)
        {
            stream.OnClosed(reason);
        }

        _streams.Clear();
        _closed.TrySetResult(reason);
    }

    public ValueTask DisposeAsync()
    {
        Close(new FrameConnectionException("the connection was closed"));
        return ValueTask.CompletedTask;
    }

    /// <summary>A new id for a call this side makes.</summary>
    internal uint NewStreamId() => Interlocked.Add(ref _nextId, 2) - 2;

    /// <summary>Adds a call; a closed connection ends it at once.</summary>
    internal void Add(uint id, FrameStream stream)
    {
        _streams[id] = stream;
        if (Volatile.Read(ref _closeReason) is { } reason && _streams.TryRemove(id, out _))
        {
            stream.OnClosed(reason);
        }
    }

    internal void Remove(uint id) => _streams.TryRemove(id, out _);

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
