using System.Buffers.Binary;
using Grpc.Core;

namespace Hotplug.Process.Protocol.Frames;

/// <summary>
/// One call the peer made to this side: its request (or request stream) read from frames, its handler run on the
/// thread pool, its response (or response stream) and status sent back. The peer's cancel frame, the deadline it
/// sent and a closed connection cancel the handler.
/// </summary>
internal sealed class FrameServerCall<TRequest, TResponse> : FrameStream, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, IResponseHeaderSender
    where TRequest : class
    where TResponse : class
{
    private readonly FrameConnection _connection;
    private readonly FrameMethod<TRequest, TResponse> _method;
    private readonly uint _id;
    private readonly FrameServerCallContext _context;
    private readonly FrameInbox<TRequest>? _requests;
    private SemaphoreSlim? _credit;
    private TRequest? _request;
    private int _ended;

    public FrameServerCall(FrameConnection connection, FrameMethod<TRequest, TResponse> method, uint id, Metadata headers, long timeoutMicroseconds)
    {
        _connection = connection;
        _method = method;
        _id = id;
        _context = new FrameServerCallContext(method.Method.FullName, headers, timeoutMicroseconds, this);
        if (method.StreamsRequest)
        {
            _requests = new FrameInbox<TRequest>();
        }
    }

    public TRequest Current { get; private set; } = default!;

    public WriteOptions? WriteOptions { get; set; }

    /// <summary>Registers the call; one that streams its request runs at once, one with a single request when it arrives.</summary>
    public void Open()
    {
        _connection.Add(_id, this);
        if (_requests is not null)
        {
            Run();
        }
    }

    public override void OnFrame(FrameKind kind, FrameFlags flags, ReadOnlyMemory<byte> payload)
    {
        switch (kind)
        {
            case FrameKind.Message:
                TRequest request;
                try
                {
                    request = _connection.Deserialize(_method.Method.RequestMarshaller, payload);
                }
                catch (Exception ex)
                {
                    End(new Status(StatusCode.Internal, $"Failed to deserialize request message. {ex.Message}"), null);
                    return;
                }

                if (_requests is not null)
                {
                    // Credit bounds what a peer may send ahead of the handler; one that sends past it is cut off.
                    if (!_requests.TryAdd(request))
                    {
                        End(new Status(StatusCode.ResourceExhausted, $"The caller sent more than the {FrameProtocol.InitialWindow} messages it had credit for."), null);
                        _requests.Complete();
                    }
                    else if ((flags & FrameFlags.EndOfStream) != 0)
                    {
                        _requests.Complete();
                    }
                }
                else if (_request is null)
                {
                    _request = request;
                    Run();
                }

                break;
            case FrameKind.HalfClose:
                if (_requests is not null)
                {
                    _requests.Complete();
                }
                else if (_request is null)
                {
                    End(new Status(StatusCode.Internal, "The call ended its requests without sending one."), null);
                }

                break;
            case FrameKind.Cancel:
                // The caller has gone: nothing more is sent for this call.
                Interlocked.Exchange(ref _ended, 1);
                _connection.Remove(_id);
                _context.Cancel();
                _requests?.Complete();
                _credit?.Release(FrameProtocol.InitialWindow);
                break;
            case FrameKind.Window:
                Credit().Release((int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(payload.Span), FrameProtocol.InitialWindow));
                break;
        }
    }

    public override void OnClosed(Exception reason)
    {
        Interlocked.Exchange(ref _ended, 1);
        _context.Cancel();
        _requests?.Complete(new RpcException(new Status(StatusCode.Unavailable, reason.Message)));
        _credit?.Release(FrameProtocol.InitialWindow);
    }

    public override void OnTooLarge(Status status)
    {
        // Removed already: the status goes out, and the handler, if it runs, is cancelled.
        _connection.Add(_id, this);
        End(status, null);
    }

    private void Run() => ThreadPool.UnsafeQueueUserWorkItem(static call => _ = call.RunAsync(), this, preferLocal: false);

    private async Task RunAsync()
    {
        if (_method.Gated)
        {
            _method.Owner.Entered();
        }

        try
        {
            if (_method.Gate is { IsCompleted: false } gate)
            {
                await gate.WaitAsync(_context.CancellationToken).ConfigureAwait(false);
            }

            if (_method.Unary is { } unary)
            {
                End(await unary(_request!, _context).ConfigureAwait(false));
                return;
            }
            else if (_method.ServerStreaming is { } serverStreaming)
            {
                await serverStreaming(_request!, this, _context).ConfigureAwait(false);
            }
            else if (_method.ClientStreaming is { } clientStreaming)
            {
                End(await clientStreaming(this, _context).ConfigureAwait(false));
                return;
            }
            else
            {
                await _method.DuplexStreaming!(this, this, _context).ConfigureAwait(false);
            }

            End(_context.Status, _context.ResponseTrailers);
        }
        catch (RpcException ex)
        {
            var trailers = _context.ResponseTrailers;
            foreach (var entry in ex.Trailers)
            {
                trailers.Add(entry);
            }

            End(ex.Status, trailers);
        }
        catch (OperationCanceledException) when (_context.CancellationToken.IsCancellationRequested)
        {
            End(new Status(StatusCode.Cancelled, "The call was cancelled."), null);
        }
        catch (Exception ex)
        {
            End(new Status(StatusCode.Unknown, $"Exception was thrown by handler. {ex.GetType().Name}: {ex.Message}"), null);
        }
        finally
        {
            _context.Dispose();
            if (_method.Gated)
            {
                _method.Owner.Exited();
            }
        }
    }

    /// <summary>Sends the one response and the call's end together, in one batch.</summary>
    private void End(TResponse response)
    {
        if (_context.DeadlinePassed || Interlocked.Exchange(ref _ended, 1) != 0)
        {
            End(_context.Status, null);
            return;
        }

        _connection.Remove(_id);
        _connection.SendResponse(_id, _method.Method.ResponseMarshaller, response, _context.Status, _context.ResponseTrailers);
        _context.Cancel();
        _context.Ended?.Invoke();
    }

    /// <summary>Sends the call's end, once; past its deadline the caller is told so, whatever the handler did.</summary>
    private void End(Status status, Metadata? trailers)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        if (_context.DeadlinePassed)
        {
            (status, trailers) = (new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), null);
        }

        _connection.Remove(_id);
        _connection.SendStatus(_id, status, trailers);
        _context.Cancel();
        _context.Ended?.Invoke();
    }

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        var (read, item) = await _requests!.ReadAsync(_connection, _id, cancellationToken).ConfigureAwait(false);
        if (read)
        {
            Current = item;
        }

        return read;
    }

    public async Task WriteAsync(TResponse message) => await WriteAsync(message, CancellationToken.None).ConfigureAwait(false);

    public async Task WriteAsync(TResponse message, CancellationToken cancellationToken)
    {
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _context.CancellationToken) : null;
        await Credit().WaitAsync(linked?.Token ?? _context.CancellationToken).ConfigureAwait(false);
        if (Volatile.Read(ref _ended) != 0)
        {
            throw new InvalidOperationException("Can't write the message because the call is complete.");
        }

        _connection.SendMessage(FrameFlags.None, _id, _method.Method.ResponseMarshaller, message);
    }

    /// <summary>Sends the response headers the handler wrote, before its first message.</summary>
    public void SendHeaders(Metadata headers)
    {
        var context = FrameSerializationContext.Rent();
        try
        {
            FrameProtocol.WriteMetadata(context.Writer, headers);
            _connection.Send(FrameKind.Headers, FrameFlags.None, _id, context.Payload);
        }
        finally
        {
            context.Return();
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
