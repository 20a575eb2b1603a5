using Grpc.Core;

namespace Hotplug.Process;

/// <summary>
/// A call invoker for one plugin version that follows its pool of supervised processes: each call goes to the
/// running process with the fewest calls in flight, and counts there until it ends. While no process runs
/// (restarting, quarantined), calls fail at once with <see cref="PluginCrashedException"/>.
/// </summary>
internal sealed class SupervisedCallInvoker(ProcessPool pool) : CallInvoker
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        using var lease = pool.Acquire();
        return lease.Invoker.BlockingUnaryCall(method, host, options, request);
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var (lease, call) = Start(invoker => invoker.AsyncUnaryCall(method, host, options, request));
        return new AsyncUnaryCall<TResponse>(Track(call.ResponseAsync, lease), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, Ending(call, lease));
    }

    // A stream counts as in flight until the caller disposes it.
    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var (lease, call) = Start(invoker => invoker.AsyncServerStreamingCall(method, host, options, request));
        return new AsyncServerStreamingCall<TResponse>(call.ResponseStream, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, Ending(call, lease));
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var (lease, call) = Start(invoker => invoker.AsyncClientStreamingCall(method, host, options));
        return new AsyncClientStreamingCall<TRequest, TResponse>(call.RequestStream, Track(call.ResponseAsync, lease), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, Ending(call, lease));
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var (lease, call) = Start(invoker => invoker.AsyncDuplexStreamingCall(method, host, options));
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestStream, call.ResponseStream, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, Ending(call, lease));
    }

    /// <summary>Takes the least loaded process and starts the call on it; a call that cannot start gives the process back.</summary>
    private (ProcessPool.Lease Lease, TCall Call) Start<TCall>(Func<CallInvoker, TCall> start)
    {
        var lease = pool.Acquire();
        try
        {
            return (lease, start(lease.Invoker));
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

    private static async Task<TResponse> Track<TResponse>(Task<TResponse> response, ProcessPool.Lease lease)
    {
        try
        {
            return await response.ConfigureAwait(false);
        }
        finally
        {
            lease.Dispose();
        }
    }
}
