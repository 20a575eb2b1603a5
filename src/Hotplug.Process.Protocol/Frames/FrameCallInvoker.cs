using System.Buffers.Binary;
using Grpc.Core;

namespace Hotplug.Process.Protocol.Frames;

/// <summary>
/// Makes gRPC calls over a fast-lane connection: what a generated client, a contract client or the host's own
/// health and controller clients call through when the plugin took the fast lane. Deadlines and cancellation end a
/// call at once on this side and reach the peer as a <see cref="FrameKind.Cancel"/> frame; a broken connection ends
/// every call with <c>UNAVAILABLE</c>, its cause a <see cref="FrameConnectionException"/>.
/// </summary>
internal sealed class FrameCallInvoker(FrameConnection connection) : CallInvoker
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        using var call = AsyncUnaryCall(method, host, options, request);
        return call.ResponseAsync.GetAwaiter().GetResult();
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new FrameClientCall<TRequest, TResponse>(connection, method, streamsResponse: false);
        call.Start(options, request, hasRequest: true);
        return new AsyncUnaryCall<TResponse>(call.Response, call.Headers, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new FrameClientCall<TRequest, TResponse>(connection, method, streamsResponse: true);
        call.Start(options, request, hasRequest: true);
        return new AsyncServerStreamingCall<TResponse>(call, call.Headers, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new FrameClientCall<TRequest, TResponse>(connection, method, streamsResponse: false);
        call.Start(options, default, hasRequest: false);
        return new AsyncClientStreamingCall<TRequest, TResponse>(call, call.Response, call.Headers, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new FrameClientCall<TRequest, TResponse>(connection, method, streamsResponse: true);
        call.Start(options, default, hasRequest: false);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call, call, call.Headers, call.GetStatus, call.GetTrailers, call.Dispose);
    }
}

/// <summary>One call this side makes: its request stream (when it has one), its response or response stream, its end.</summary>
internal sealed class FrameClientCall<TRequest, TResponse> : FrameStream, IClientStreamWriter<TRequest>, IAsyncStreamReader<TResponse>
{
    private readonly FrameConnection _connection;
    private readonly Method<TRequest, TResponse> _method;
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TResponse>? _response;
    private readonly FrameInbox<TResponse>? _responses;
    private SemaphoreSlim? _credit;
    private CancellationTokenRegistration _cancellation;
    private Timer? _deadline;
    private uint _id;
    private int _done;
    private bool _hasResponse;
    private TResponse? _single;
    private Status _status;
    private Metadata? _trailers;
    private bool _inputEnded;

    public FrameClientCall(FrameConnection connection, Method<TRequest, TResponse> method, bool streamsResponse)
    {
        _connection = connection;
        _method = method;
        if (streamsResponse)
        {
            _responses = new FrameInbox<TResponse>();
        }
        else
        {
            _response = new TaskCompletionSource<TResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public Task<TResponse> Response => _response!.Task;

    public Task<Metadata> Headers => _headers.Task;

    public TResponse Current { get; private set; } = default!;

    public WriteOptions? WriteOptions { get; set; }

    /// <summary>Opens the call: its call frame (and one request) sent, then its deadline and cancellation armed.</summary>
    public void Start(CallOptions options, TRequest? request, bool hasRequest)
    {
        var timeout = -1L;
        var left = Timeout.InfiniteTimeSpan;
        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            left = deadline.ToUniversalTime() - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), null, tellPeer: false);
                return;
            }

            timeout = (long)left.TotalMicroseconds;
        }

        if (options.CancellationToken.IsCancellationRequested)
        {
            Finish(new Status(StatusCode.Cancelled, "Call canceled by the client."), null, tellPeer: false);
            return;
        }

        _id = _connection.NewStreamId();
        _connection.Add(_id, this);
        if (hasRequest)
        {
            _inputEnded = true;
            _connection.SendCall(_id, _method.FullName, timeout, options.Headers, _method.RequestMarshaller, request);
        }
        else
        {
            _connection.SendCall<TRequest>(_id, _method.FullName, timeout, options.Headers, null, default);
        }

        // Armed once the call is on its way, so a cancel frame never overtakes it.
        if (timeout >= 0)
        {
            _deadline = new Timer(static state => ((FrameClientCall<TRequest, TResponse>)state!).Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), null, tellPeer: true), this, left, Timeout.InfiniteTimeSpan);
            if (Volatile.Read(ref _done) != 0)
            {
                _deadline.Dispose();
            }
        }

        if (options.CancellationToken.CanBeCanceled)
        {
            _cancellation = options.CancellationToken.UnsafeRegister(static state => ((FrameClientCall<TRequest, TResponse>)state!).Finish(new Status(StatusCode.Cancelled, "Call canceled by the client."), null, tellPeer: true), this);
            if (Volatile.Read(ref _done) != 0)
            {
                _cancellation.Unregister();
            }
        }
    }

    public override void OnFrame(FrameKind kind, FrameFlags flags, ReadOnlyMemory<byte> payload)
    {
        switch (kind)
        {
            case FrameKind.Headers:
                _headers.TrySetResult(FrameProtocol.ReadHeaders(payload.Span));
                break;
            case FrameKind.Message:
                OnMessage(payload);
                break;
            case FrameKind.Status:
                var (status, trailers) = FrameProtocol.ReadStatus(payload.Span);
                Finish(status, trailers, tellPeer: false);
                break;
            case FrameKind.Window:
                Credit().Release((int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(payload.Span), FrameProtocol.InitialWindow));
                break;
        }
    }

    public override void OnClosed(Exception reason) =>
        Finish(new Status(StatusCode.Unavailable, $"The plugin's connection closed: {reason.Message}", reason), null, tellPeer: false);

    public override void OnTooLarge(Status status) => Finish(status, null, tellPeer: true);

    private void OnMessage(ReadOnlyMemory<byte> payload)
    {
        _headers.TrySetResult([]);
        TResponse message;
        try
        {
            message = _connection.Deserialize(_method.ResponseMarshaller, payload);
        }
        catch (Exception ex)
        {
            Finish(new Status(StatusCode.Internal, $"Failed to deserialize response message. {ex.Message}", ex), null, tellPeer: true);
            return;
        }

        if (_responses is not null)
        {
            // Credit bounds what a peer may send ahead of the reader; one that sends past it is cut off.
            if (!_responses.TryAdd(message))
            {
                Finish(new Status(StatusCode.ResourceExhausted, $"The peer sent more than the {FrameProtocol.InitialWindow} messages it had credit for."), null, tellPeer: true);
            }
        }
        else
        {
            _single = message;
            _hasResponse = true;
        }
    }

    /// <summary>Ends the call, once: its result or failure given to whoever waits, the peer told when this side ended it.</summary>
    private void Finish(Status status, Metadata? trailers, bool tellPeer)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return;
        }

        _status = status;
        _trailers = trailers ?? [];
        if (_id != 0)
        {
            _connection.Remove(_id);
            if (tellPeer)
            {
                _connection.Send(FrameKind.Cancel, FrameFlags.None, _id, ReadOnlySpan<byte>.Empty);
            }
        }

        _deadline?.Dispose();
        _cancellation.Unregister();
        _headers.TrySetResult([]);
        if (status.StatusCode == StatusCode.OK)
        {
            if (_response is not null)
            {
                if (_hasResponse)
                {
                    _response.TrySetResult(_single!);
                }
                else
                {
                    _response.TrySetException(new RpcException(new Status(StatusCode.Internal, "Failed to deserialize response message. The call ended without one."), _trailers));
                }
            }

            _responses?.Complete();
        }
        else
        {
            var failure = new RpcException(status, _trailers);
            _response?.TrySetException(failure);
            _responses?.Complete(failure);
        }

        // Writers waiting for credit learn that the call ended.
        _credit?.Release(FrameProtocol.InitialWindow);
    }

    public Status GetStatus() => Volatile.Read(ref _done) != 0 ? _status : throw new InvalidOperationException("Unable to get the status because the call is not complete.");

    public Metadata GetTrailers() => Volatile.Read(ref _done) != 0 ? _trailers! : throw new InvalidOperationException("Can't get the call trailers because the call has not completed successfully.");

    public void Dispose() => Finish(new Status(StatusCode.Cancelled, "Call canceled by the client."), null, tellPeer: true);

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        bool read;
        TResponse item;
        try
        {
            (read, item) = await _responses!.ReadAsync(_connection, _id, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Finish(new Status(StatusCode.Cancelled, "Call canceled by the client."), null, tellPeer: true);
            throw new RpcException(_status);
        }

        if (read)
        {
            Current = item;
        }

        return read;
    }

    public async Task WriteAsync(TRequest message) => await WriteAsync(message, CancellationToken.None).ConfigureAwait(false);

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        ThrowIfEnded();
        await Credit().WaitAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfEnded();
        _connection.SendMessage(FrameFlags.None, _id, _method.RequestMarshaller, message);
    }

    public Task CompleteAsync()
    {
        if (Volatile.Read(ref _done) == 0 && !_inputEnded)
        {
            _inputEnded = true;
            _connection.Send(FrameKind.HalfClose, FrameFlags.None, _id, ReadOnlySpan<byte>.Empty);
        }

        return Task.CompletedTask;
    }

    private void ThrowIfEnded()
    {
        if (Volatile.Read(ref _done) != 0)
        {
            throw _status.StatusCode == StatusCode.OK ? new InvalidOperationException("The call has ended.") : new RpcException(_status, _trailers!);
        }

        if (_inputEnded)
        {
            throw new InvalidOperationException("Request stream has already been completed.");
        }
    }

    private SemaphoreSlim Credit()
    {
        if (_credit is { } credit)
        {
            return credit;
        }

        var created = new SemaphoreSlim(FrameProtocol.InitialWindow);
        return Interlocked.CompareExchange(ref _credit, created, null) ?? created;
    }
}
