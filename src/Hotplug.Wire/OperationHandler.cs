using System.Runtime.CompilerServices;
using Grpc.Core;
using Hotplug.Contracts;

namespace Hotplug.Wire;

/// <summary>
/// The server side of one gRPC method: the call's messages become the operation's values, the contract layer's
/// <see cref="OperationDispatcher"/> calls the implementation, and its result or items become messages.
/// </summary>
internal sealed class OperationHandler(ContractOperation operation, OperationDispatcher dispatcher)
{
    public ContractOperation Operation => operation;

    public async Task<object?[]> UnaryAsync(object?[] request, ServerCallContext context)
    {
        try
        {
            return Pack(await dispatcher.InvokeAsync(operation.Descriptor, request, context.CancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw ToRpc(ex, context);
        }
    }

    public async Task ServerStreamAsync(object?[] request, IServerStreamWriter<object?[]> responses, ServerCallContext context)
    {
        try
        {
            await WriteAllAsync(dispatcher.InvokeStreamAsync(operation.Descriptor, request, context.CancellationToken), responses, context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw ToRpc(ex, context);
        }
    }

    public async Task<object?[]> ClientStreamAsync(IAsyncStreamReader<object?[]> requests, ServerCallContext context)
    {
        try
        {
            var input = ReadAllAsync(requests, context.CancellationToken);
            return Pack(await dispatcher.InvokeAsync(operation.Descriptor, [input], context.CancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw ToRpc(ex, context);
        }
    }

    public async Task DuplexAsync(IAsyncStreamReader<object?[]> requests, IServerStreamWriter<object?[]> responses, ServerCallContext context)
    {
        try
        {
            var input = ReadAllAsync(requests, context.CancellationToken);
            await WriteAllAsync(dispatcher.InvokeStreamAsync(operation.Descriptor, [input], context.CancellationToken), responses, context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw ToRpc(ex, context);
        }
    }

    /// <summary>What a plugin's exception becomes on the wire: a status the host can act on, with the exception's type and message.</summary>
    internal static RpcException ToRpc(Exception exception, ServerCallContext context)
    {
        var code = exception switch
        {
            OperationCanceledException when context.CancellationToken.IsCancellationRequested => StatusCode.Cancelled,
            ArgumentException => StatusCode.InvalidArgument,
            NotImplementedException or NotSupportedException => StatusCode.Unimplemented,
            TimeoutException => StatusCode.DeadlineExceeded,
            _ => StatusCode.Unknown,
        };
        return new RpcException(new Status(code, $"{exception.GetType().FullName}: {exception.Message}"));
    }

    private object?[] Pack(object? result)
    {
        var descriptor = operation.Descriptor;
        if (descriptor.ResultType is null)
        {
            return [];
        }

        var response = operation.Response.Message;
        if (result is null && response.ClrType is { } type && response.Fields.Count > 0 && ReferenceEquals(response.ClrType, descriptor.ResultType))
        {
            throw new RpcException(new Status(StatusCode.Internal, $"{descriptor.Method.DeclaringType?.Name}.{descriptor.Method.Name} returned null, but its {type.Name} result is not nullable."));
        }

        return [result];
    }

    private static async Task WriteAllAsync(IAsyncEnumerable<object?> items, IServerStreamWriter<object?[]> responses, CancellationToken token)
    {
        await foreach (var item in items.WithCancellation(token).ConfigureAwait(false))
        {
            await responses.WriteAsync([item], token).ConfigureAwait(false);
        }
    }

    private static async IAsyncEnumerable<object?> ReadAllAsync(IAsyncStreamReader<object?[]> requests, CancellationToken token, [EnumeratorCancellation] CancellationToken enumeration = default)
    {
        using var linked = enumeration.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(token, enumeration) : null;
        while (await requests.MoveNext(linked?.Token ?? token).ConfigureAwait(false))
        {
            yield return requests.Current[0];
        }
    }
}
