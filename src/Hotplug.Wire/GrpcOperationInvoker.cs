using System.Runtime.CompilerServices;
using Grpc.Core;
using Hotplug.Contracts;

namespace Hotplug.Wire;

/// <summary>
/// Carries out a contract's operations as gRPC calls through a <see cref="CallInvoker"/>: the transport side of a
/// contract client. Messages are the operation's values and result, encoded by the schema's codec.
/// </summary>
internal sealed class GrpcOperationInvoker(ContractSchema schema, CallInvoker invoker, ContractClientOptions options) : IOperationInvoker
{
    public ValueTask<object?> InvokeAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken)
    {
        var method = MethodOf(operation);
        return method.Kind == MethodType.ClientStreaming
            ? ClientStreamAsync(method, (IAsyncEnumerable<object?>)values[0]!, cancellationToken)
            : UnaryAsync(method, values, cancellationToken);
    }

    public IAsyncEnumerable<object?> InvokeStreamAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken)
    {
        var method = MethodOf(operation);
        return method.Kind == MethodType.DuplexStreaming
            ? DuplexAsync(method, (IAsyncEnumerable<object?>)values[0]!, cancellationToken)
            : ServerStreamAsync(method, values, cancellationToken);
    }

    private ContractOperation MethodOf(OperationDescriptor operation) =>
        ReferenceEquals(operation.Contract, schema.Descriptor)
            ? schema.Operations[operation.Index]
            : throw new ArgumentException($"{operation} is not an operation of {schema.ContractType.FullName}.", nameof(operation));

    private async ValueTask<object?> UnaryAsync(ContractOperation method, object?[] request, CancellationToken token)
    {
        try
        {
            using var call = invoker.AsyncUnaryCall(method.GrpcMethod, null, options.CallOptions(token), request);
            var response = await call.ResponseAsync.ConfigureAwait(false);
            return method.Descriptor.ResultType is null ? null : response[0];
        }
        catch (RpcException ex)
        {
            throw options.Translate(ex, method, token);
        }
    }

    private async IAsyncEnumerable<object?> ServerStreamAsync(ContractOperation method, object?[] request, CancellationToken token, [EnumeratorCancellation] CancellationToken enumeration = default)
    {
        using var linked = enumeration.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(token, enumeration) : null;
        var combined = linked?.Token ?? token;
        AsyncServerStreamingCall<object?[]> call;
        try
        {
            call = invoker.AsyncServerStreamingCall(method.GrpcMethod, null, options.CallOptions(combined), request);
        }
        catch (RpcException ex)
        {
            throw options.Translate(ex, method, combined);
        }

        using (call)
        {
            while (await MoveNextAsync(method, call.ResponseStream, combined).ConfigureAwait(false))
            {
                yield return call.ResponseStream.Current[0];
            }
        }
    }

    private async ValueTask<object?> ClientStreamAsync(ContractOperation method, IAsyncEnumerable<object?> input, CancellationToken token)
    {
        try
        {
            using var call = invoker.AsyncClientStreamingCall(method.GrpcMethod, null, options.CallOptions(token));
            var sent = true;
            await foreach (var item in input.WithCancellation(token).ConfigureAwait(false))
            {
                if (!(sent = await SendAsync(call.RequestStream.WriteAsync([item]), token).ConfigureAwait(false)))
                {
                    break;
                }
            }

            if (sent)
            {
                await SendAsync(call.RequestStream.CompleteAsync(), token).ConfigureAwait(false);
            }

            var response = await call.ResponseAsync.ConfigureAwait(false);
            return method.Descriptor.ResultType is null ? null : response[0];
        }
        catch (RpcException ex)
        {
            throw options.Translate(ex, method, token);
        }
    }

    /// <summary>
    /// Sends on a client stream; <see langword="false"/> when the call has already ended (its deadline passed, the
    /// plugin failed, its process went away), which its response then reports as the invoker sees it.
    /// </summary>
    private static async Task<bool> SendAsync(Task write, CancellationToken token)
    {
        try
        {
            await write.ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException && !token.IsCancellationRequested)
        {
            return false;
        }
    }

    private async IAsyncEnumerable<object?> DuplexAsync(ContractOperation method, IAsyncEnumerable<object?> input, CancellationToken token, [EnumeratorCancellation] CancellationToken enumeration = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, enumeration);
        AsyncDuplexStreamingCall<object?[], object?[]> call;
        try
        {
            call = invoker.AsyncDuplexStreamingCall(method.GrpcMethod, null, options.CallOptions(linked.Token));
        }
        catch (RpcException ex)
        {
            throw options.Translate(ex, method, linked.Token);
        }

        using (call)
        {
            var pump = PumpAsync(input, call.RequestStream, linked.Token);
            try
            {
                while (await MoveNextAsync(method, call.ResponseStream, linked.Token).ConfigureAwait(false))
                {
                    yield return call.ResponseStream.Current[0];
                }
            }
            finally
            {
                // Stops the input when the caller stops reading early.
                await linked.CancelAsync().ConfigureAwait(false);
                await pump.ConfigureAwait(false);
            }
        }
    }

    private static async Task PumpAsync(IAsyncEnumerable<object?> input, IClientStreamWriter<object?[]> requests, CancellationToken token)
    {
        try
        {
            await foreach (var item in input.WithCancellation(token).ConfigureAwait(false))
            {
                await requests.WriteAsync([item], token).ConfigureAwait(false);
            }

            await requests.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException)
        {
            // The call ended first (or the caller stopped reading); the reading side reports why.
        }
    }

    private async Task<bool> MoveNextAsync(ContractOperation method, IAsyncStreamReader<object?[]> stream, CancellationToken token)
    {
        try
        {
            return await stream.MoveNext(token).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw options.Translate(ex, method, token);
        }
    }
}
