using Grpc.Core;
using Hotplug.Routing;

namespace Hotplug.Process;

/// <summary>
/// The call invoker callers hold for a process plugin's generated gRPC client: every call goes to the plugin's
/// active version, is counted in flight (so upgrades and offline drain it), carries the plugin's call timeout
/// as its deadline unless the caller set one, and reports a dead process as <see cref="PluginCrashedException"/>.
/// </summary>
internal sealed class RoutedCallInvoker(ContractSlot<CallInvoker> slot) : CallInvoker
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var lease = slot.Enter();
        try
        {
            return lease.Target.BlockingUnaryCall(method, host, WithDeadline(options, lease), request);
        }
        catch (RpcException ex) when (IsCrash(ex, options.CancellationToken))
        {
            throw Crashed(ex, lease, method.FullName);
        }
        catch (ObjectDisposedException ex)
        {
            throw Crashed(ex, lease, method.FullName);
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
            call = lease.Target.AsyncUnaryCall(method, host, WithDeadline(options, lease), request);
        }
        catch (ObjectDisposedException ex)
        {
            lease.Exit();
            throw Crashed(ex, lease, method.FullName);
        }
        catch
        {
            lease.Exit();
            throw;
        }

        var timeout = options.Deadline is null ? lease.CallTimeout : Timeout.InfiniteTimeSpan;
        return new AsyncUnaryCall<TResponse>(CompleteAsync(call.ResponseAsync, lease, method.FullName, options.CancellationToken, timeout), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var (lease, exit) = EnterOnce();
        try
        {
            var call = lease.Target.AsyncServerStreamingCall(method, host, options, request);
            return new AsyncServerStreamingCall<TResponse>(new CrashTranslatingReader<TResponse>(call.ResponseStream, lease, method.FullName), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () =>
            {
                call.Dispose();
                exit();
            });
        }
        catch (ObjectDisposedException ex)
        {
            exit();
            throw Crashed(ex, lease, method.FullName);
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
            return new AsyncClientStreamingCall<TRequest, TResponse>(call.RequestStream, call.ResponseAsync, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () =>
            {
                call.Dispose();
                exit();
            });
        }
        catch (ObjectDisposedException ex)
        {
            exit();
            throw Crashed(ex, lease, method.FullName);
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
            return new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestStream, new CrashTranslatingReader<TResponse>(call.ResponseStream, lease, method.FullName), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () =>
            {
                call.Dispose();
                exit();
            });
        }
        catch (ObjectDisposedException ex)
        {
            exit();
            throw Crashed(ex, lease, method.FullName);
        }
        catch
        {
            exit();
            throw;
        }
    }

    /// <summary>
    /// A transport failure to a plugin process: it died or is restarting. When a process dies the host disposes
    /// its channel, which cancels the calls still on it: a cancellation the caller did not ask for is a crash too.
    /// </summary>
    private static bool IsCrash(RpcException exception, CancellationToken callerToken = default) =>
        exception.StatusCode is StatusCode.Unavailable or StatusCode.Internal ||
        (exception.StatusCode == StatusCode.Cancelled && !callerToken.IsCancellationRequested);

    private static PluginCrashedException Crashed(Exception exception, CallLease<CallInvoker> lease, string method) =>
        new($"Plugin '{lease.PluginId}' {lease.Version} failed {method}: its process is not available ({(exception is RpcException rpc ? rpc.Status.Detail : exception.Message)}).", lease.PluginId, lease.Version, exception);

    private static CallOptions WithDeadline(CallOptions options, CallLease<CallInvoker> lease) =>
        options.Deadline is null && lease.CallTimeout != Timeout.InfiniteTimeSpan
            ? options.WithDeadline(DateTime.UtcNow + lease.CallTimeout)
            : options;

    private static async Task<TResponse> CompleteAsync<TResponse>(Task<TResponse> response, CallLease<CallInvoker> lease, string method, CancellationToken callerToken, TimeSpan timeout)
    {
        try
        {
            return await response.ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded && timeout != Timeout.InfiniteTimeSpan)
        {
            // The deadline was the plugin's call timeout, not one the caller set: report it as for any plugin.
            throw new PluginTimeoutException(lease.PluginId, lease.Version, method, timeout);
        }
        catch (RpcException ex) when (IsCrash(ex, callerToken))
        {
            throw Crashed(ex, lease, method);
        }
        catch (ObjectDisposedException ex)
        {
            throw Crashed(ex, lease, method);
        }
        finally
        {
            lease.Exit();
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

    private sealed class CrashTranslatingReader<T>(IAsyncStreamReader<T> inner, CallLease<CallInvoker> lease, string method) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                return await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (IsCrash(ex, cancellationToken))
            {
                throw Crashed(ex, lease, method);
            }
            catch (ObjectDisposedException ex)
            {
                // The process died and the host disposed its channel under the call.
                throw Crashed(ex, lease, method);
            }
        }
    }
}
