using Grpc.Core;
using Hotplug.Routing;

namespace Hotplug.Process;

/// <summary>
/// The call invoker callers hold for a process plugin's generated gRPC client: every call goes to the plugin's
/// active version and is counted in flight (so upgrades and offline drain it). Below it, the version's own invoker
/// (<see cref="SupervisedCallInvoker"/>) gives each call, streams included, the plugin's call timeout as its deadline
/// unless the caller set one, and reports a process that is gone as <see cref="PluginCrashedException"/>; here a
/// call that runs into that deadline ends with <see cref="PluginTimeoutException"/>, as it does through a contract.
/// Every other failure is the <see cref="RpcException"/> a generated client expects.
/// </summary>
internal sealed class RoutedCallInvoker(ContractSlot<CallInvoker> slot) : CallInvoker
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var lease = slot.Enter();
        try
        {
            return lease.Target.BlockingUnaryCall(method, host, options, request);
        }
        catch (RpcException ex) when (IsHostTimeout(ex, options, lease))
        {
            throw TimedOut(lease, method);
        }
        finally
        {
            lease.Exit();
        }
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var lease = slot.Enter();
        AsyncUnaryCall<TResponse> call;
        try
        {
            call = lease.Target.AsyncUnaryCall(method, host, options, request);
        }
        catch
        {
            lease.Exit();
            throw;
        }

        return new AsyncUnaryCall<TResponse>(ResponseAsync(call.ResponseAsync, lease, method, options, lease.Exit), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var (lease, exit) = EnterOnce();
        try
        {
            var call = lease.Target.AsyncServerStreamingCall(method, host, options, request);
            return new AsyncServerStreamingCall<TResponse>(new Reader<TResponse>(call.ResponseStream, lease, method, options), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () =>
            {
                call.Dispose();
                exit();
            });
        }
        catch
        {
            exit();
            throw;
        }
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var (lease, exit) = EnterOnce();
        try
        {
            var call = lease.Target.AsyncClientStreamingCall(method, host, options);
            return new AsyncClientStreamingCall<TRequest, TResponse>(call.RequestStream, ResponseAsync(call.ResponseAsync, lease, method, options, static () => { }), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () =>
            {
                call.Dispose();
                exit();
            });
        }
        catch
        {
            exit();
            throw;
        }
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var (lease, exit) = EnterOnce();
        try
        {
            var call = lease.Target.AsyncDuplexStreamingCall(method, host, options);
            return new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestStream, new Reader<TResponse>(call.ResponseStream, lease, method, options), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () =>
            {
                call.Dispose();
                exit();
            });
        }
        catch
        {
            exit();
            throw;
        }
    }

    /// <summary>Whether the call ran into the deadline the host gave it (the caller set none).</summary>
    private static bool IsHostTimeout(RpcException exception, CallOptions options, CallLease<CallInvoker> lease) =>
        exception.StatusCode == StatusCode.DeadlineExceeded && options.Deadline is null && lease.CallTimeout != Timeout.InfiniteTimeSpan;

    private static PluginTimeoutException TimedOut(CallLease<CallInvoker> lease, IMethod method) =>
        new(lease.PluginId, lease.Version, method.FullName, lease.CallTimeout);

    private static async Task<TResponse> ResponseAsync<TResponse>(Task<TResponse> response, CallLease<CallInvoker> lease, IMethod method, CallOptions options, Action exit)
    {
        try
        {
            return await response.ConfigureAwait(false);
        }
        catch (RpcException ex) when (IsHostTimeout(ex, options, lease))
        {
            throw TimedOut(lease, method);
        }
        finally
        {
            exit();
        }
    }

    /// <summary>Enters a streaming call, which is counted out once, when the caller disposes it.</summary>
    private (CallLease<CallInvoker> Lease, Action Exit) EnterOnce()
    {
        var lease = slot.Enter();
        var exited = 0;
        return (lease, () =>
        {
            if (Interlocked.Exchange(ref exited, 1) == 0)
            {
                lease.Exit();
            }
        });
    }

    private sealed class Reader<T>(IAsyncStreamReader<T> inner, CallLease<CallInvoker> lease, IMethod method, CallOptions options) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                return await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (IsHostTimeout(ex, options, lease))
            {
                throw TimedOut(lease, method);
            }
        }
    }
}
