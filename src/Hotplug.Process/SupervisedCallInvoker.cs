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
        var lease = pool.Acquire();
        AsyncUnaryCall<TResponse> call;
        try
        {
            call = lease.Invoker.AsyncUnaryCall(method, host, options, request);
        }
        catch
        {
            lease.Dispose();
            throw;
        }

        return new AsyncUnaryCall<TResponse>(Track(call.ResponseAsync, lease), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () =>
        {
            call.Dispose();
            lease.Dispose();
        });
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var lease = pool.Acquire();
        AsyncServerStreamingCall<TResponse> call;
        try
        {
            call = lease.Invoker.AsyncServerStreamingCall(method, host, options, request);
        }
        catch
        {
            lease.Dispose();
            throw;
        }

        // A stream counts as in flight until the caller disposes it.
        return new AsyncServerStreamingCall<TResponse>(call.ResponseStream, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () =>
        {
            call.Dispose();
            lease.Dispose();
        });
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var lease = pool.Acquire();
        AsyncClientStreamingCall<TRequest, TResponse> call;
        try
        {
            call = lease.Invoker.AsyncClientStreamingCall(method, host, options);
        }
        catch
        {
            lease.Dispose();
            throw;
        }

        return new AsyncClientStreamingCall<TRequest, TResponse>(call.RequestStream, Track(call.ResponseAsync, lease), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () =>
        {
            call.Dispose();
            lease.Dispose();
        });
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var lease = pool.Acquire();
        AsyncDuplexStreamingCall<TRequest, TResponse> call;
        try
        {
            call = lease.Invoker.AsyncDuplexStreamingCall(method, host, options);
        }
        catch
        {
            lease.Dispose();
            throw;
        }

        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestStream, call.ResponseStream, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () =>
        {
            call.Dispose();
            lease.Dispose();
        });
    }

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
