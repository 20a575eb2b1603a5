using Grpc.Core;

namespace Hotplug.Process;

/// <summary>
/// The call invoker of one plugin version, over its pool of supervised processes: each call goes to the running
/// process with the fewest calls in flight and counts there until it ends; it carries the plugin's call timeout as
/// its deadline unless the caller set one, streams included; and how it ends is told to the process's supervisor
/// (an answer, or a run into the host's deadline, which liveness counts). While no process runs (restarting,
/// quarantined), calls fail at once with <see cref="PluginCrashedException"/>.
/// </summary>
/// <remarks>
/// A failed call is a crash only when the process is gone or its connection broke: the process exited or is being
/// stopped, or the transport itself failed (the status carries the socket or HTTP/2 error that made it). A status
/// the plugin sent — <c>UNAVAILABLE</c> and <c>INTERNAL</c> included — is the plugin's own answer and stays an
/// <see cref="RpcException"/>, and a call cancelled through its own token is a cancellation whatever its status.
/// </remarks>
internal sealed class SupervisedCallInvoker(ProcessPool pool, TimeSpan callTimeout) : CallInvoker
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        using var lease = pool.Acquire();
        var call = new CallWatch(pool, lease, method, ref options, callTimeout);
        try
        {
            var response = lease.Invoker.BlockingUnaryCall(method, host, options, request);
            lease.Answered();
            return response;
        }
        catch (RpcException ex)
        {
            throw call.Failed(ex, default);
        }
        catch (ObjectDisposedException ex)
        {
            throw call.Crashed(ex);
        }
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var (lease, watch, call) = Start(method, ref options, (invoker, o) => invoker.AsyncUnaryCall(method, host, o, request));
        return new AsyncUnaryCall<TResponse>(ResponseAsync(call.ResponseAsync, watch, lease), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, Ending(call, lease));
    }

    // A stream counts as in flight until the caller disposes it.
    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var (lease, watch, call) = Start(method, ref options, (invoker, o) => invoker.AsyncServerStreamingCall(method, host, o, request));
        return new AsyncServerStreamingCall<TResponse>(new Reader<TResponse>(call.ResponseStream, watch, lease), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, Ending(call, lease));
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var (lease, watch, call) = Start(method, ref options, (invoker, o) => invoker.AsyncClientStreamingCall(method, host, o));
        return new AsyncClientStreamingCall<TRequest, TResponse>(call.RequestStream, ResponseAsync(call.ResponseAsync, watch, lease), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, Ending(call, lease));
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var (lease, watch, call) = Start(method, ref options, (invoker, o) => invoker.AsyncDuplexStreamingCall(method, host, o));
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestStream, new Reader<TResponse>(call.ResponseStream, watch, lease), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, Ending(call, lease));
    }

    /// <summary>Takes the least loaded process and starts the call on it; a call that cannot start gives the process back.</summary>
    private (ProcessPool.Lease Lease, CallWatch Watch, TCall Call) Start<TRequest, TResponse, TCall>(Method<TRequest, TResponse> method, ref CallOptions options, Func<CallInvoker, CallOptions, TCall> start)
    {
        var lease = pool.Acquire();
        try
        {
            var watch = new CallWatch(pool, lease, method, ref options, callTimeout);
            try
            {
                return (lease, watch, start(lease.Invoker, options));
            }
            catch (ObjectDisposedException ex)
            {
                // The process died and its channel was disposed between choosing it and starting the call.
                throw watch.Crashed(ex);
            }
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    private static Action Ending(IDisposable call, ProcessPool.Lease lease) => () =>
    {
        call.Dispose();
        lease.Dispose();
    };

    private static async Task<TResponse> ResponseAsync<TResponse>(Task<TResponse> response, CallWatch watch, ProcessPool.Lease lease)
    {
        try
        {
            var result = await response.ConfigureAwait(false);
            lease.Answered();
            return result;
        }
        catch (RpcException ex)
        {
            throw watch.Failed(ex, default);
        }
        catch (ObjectDisposedException ex)
        {
            throw watch.Crashed(ex);
        }
        finally
        {
            lease.Dispose();
        }
    }

    /// <summary>What is known of one call to judge how it ended: its process, its token, whether the host set its deadline.</summary>
    private sealed class CallWatch
    {
        private readonly ProcessPool _pool;
        private readonly ProcessPool.Lease _lease;
        private readonly IMethod _method;
        private readonly CancellationToken _token;
        private readonly DateTime? _hostDeadline;

        public CallWatch(ProcessPool pool, ProcessPool.Lease lease, IMethod method, ref CallOptions options, TimeSpan callTimeout)
        {
            _pool = pool;
            _lease = lease;
            _method = method;
            _token = options.CancellationToken;

            // The deadline is set here, when the call starts, for every kind of call: a stream is bounded as a unary call is.
            if (options.Deadline is null && callTimeout != Timeout.InfiniteTimeSpan)
            {
                _hostDeadline = DateTime.UtcNow + callTimeout;
                options = options.WithDeadline(_hostDeadline.Value);
            }
        }

        /// <summary>What a failed call throws: the status as is, or <see cref="PluginCrashedException"/> when the process or its connection is gone.</summary>
        /// <param name="exception">The failure.</param>
        /// <param name="readToken">The token a stream read was given, besides the call's own.</param>
        public Exception Failed(RpcException exception, CancellationToken readToken)
        {
            if (_token.IsCancellationRequested || readToken.IsCancellationRequested)
            {
                return exception;
            }

            if (exception.StatusCode == StatusCode.DeadlineExceeded)
            {
                if (_hostDeadline is not null)
                {
                    _lease.TimedOut();
                }

                return exception;
            }

            if (exception.StatusCode == StatusCode.Cancelled && DateTime.UtcNow >= _hostDeadline)
            {
                // The plugin saw the deadline pass first and ended the call as cancelled (grpc-go's handlers do):
                // it is the host's deadline, reported as such, as Grpc.Net.Client does when it sees it first.
                _lease.TimedOut();
                return new RpcException(new Status(StatusCode.DeadlineExceeded, exception.Status.Detail, exception), exception.Trailers);
            }

            if (Gone(exception) is { } why)
            {
                return Crashed(exception, why);
            }

            // The plugin answered, if only with an error status: it is alive.
            _lease.Answered();
            return exception;
        }

        public PluginCrashedException Crashed(Exception exception, string? why = null) =>
            new($"Plugin '{_pool.PluginId}' {_pool.Version} failed {_method.ServiceName}/{_method.Name}: {why ?? Gone(exception) ?? "its connection is closed"}.", _pool.PluginId, _pool.Version, exception);

        /// <summary>Why the call's process cannot have answered it, or <see langword="null"/> when it is there.</summary>
        private string? Gone(Exception exception)
        {
            var process = _lease.Process;
            if (process.HasExited)
            {
                return $"its process {process.ProcessId} exited";
            }

            if (process.IsStopping)
            {
                return $"its process {process.ProcessId} is stopping";
            }

            return exception is ObjectDisposedException || IsTransportFailure((exception as RpcException)?.Status.DebugException)
                ? $"the connection to its process {process.ProcessId} broke"
                : null;
        }

        /// <summary>
        /// Whether the client made the status from a failure of the connection itself (Grpc.Net.Client keeps it as
        /// the status's debug exception; a status the plugin sent has none). A message that does not decode is not one.
        /// </summary>
        private static bool IsTransportFailure(Exception? exception)
        {
            for (var current = exception; current is not null; current = current.InnerException)
            {
                if (current is System.Net.Http.HttpRequestException or System.Net.Http.HttpIOException or System.Net.Http.HttpProtocolException
                    or System.Net.Sockets.SocketException or ObjectDisposedException
                    or System.Security.Authentication.AuthenticationException or Hotplug.Process.Protocol.Frames.FrameConnectionException)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Reads a response stream, telling the supervisor how it goes and reporting a gone process as a crash.</summary>
    private sealed class Reader<T>(IAsyncStreamReader<T> inner, CallWatch watch, ProcessPool.Lease lease) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                var more = await inner.MoveNext(cancellationToken).ConfigureAwait(false);
                lease.Answered();
                return more;
            }
            catch (RpcException ex)
            {
                throw watch.Failed(ex, cancellationToken);
            }
            catch (ObjectDisposedException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The process died and its channel was disposed under the call.
                throw watch.Crashed(ex);
            }
        }
    }
}
