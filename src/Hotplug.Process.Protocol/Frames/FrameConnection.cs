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
internal sealed partial class FrameConnection : IAsyncDisposable
{
    private const int ReadBufferSize = 64 * 1024;
    private const int SpareLimit = 1024 * 1024;

    private readonly Socket _socket;
    private readonly FrameHandlers? _handlers;
    private readonly ConcurrentDictionary<uint, FrameStream> _streams = new();
    private readonly Lock _writeLock = new();
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
}
