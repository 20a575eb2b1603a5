using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Grpc.Core;

namespace Hotplug.Wire;

/// <summary>The server side of a contract's methods: each gRPC call becomes a call on the implementation.</summary>
[RequiresDynamicCode("Contract services call their implementation by reflection.")]
[RequiresUnreferencedCode("Contract services read the contract's records by reflection.")]
internal sealed class OperationHandler
{
    private readonly object _implementation;
    private readonly int _parameterCount;
    private readonly Func<object?, Task<object?>> _await;
    private readonly Func<object, IServerStreamWriter<object?[]>, CancellationToken, Task>? _writeAll;
    private readonly Func<IAsyncStreamReader<object?[]>, CancellationToken, object>? _readAll;

    public OperationHandler(ContractOperation operation, object implementation)
    {
        Operation = operation;
        _implementation = implementation;
        _parameterCount = operation.Method.GetParameters().Length;
        _await = operation.Shape switch
        {
            ReturnShape.Task => static async r =>
            {
                await ((Task)r!).ConfigureAwait(false);
                return null;
            },
            ReturnShape.ValueTask => static async r =>
            {
                await ((ValueTask)r!).ConfigureAwait(false);
                return null;
            },
            ReturnShape.TaskOfT => Helper<Func<object?, Task<object?>>>(nameof(AwaitTask), operation.ResultType!),
            ReturnShape.ValueTaskOfT => Helper<Func<object?, Task<object?>>>(nameof(AwaitValueTask), operation.ResultType!),
            _ => static r => Task.FromResult(r),
        };
        if (operation.Shape == ReturnShape.Stream)
        {
            _writeAll = Helper<Func<object, IServerStreamWriter<object?[]>, CancellationToken, Task>>(nameof(WriteAllAsync), operation.ResultType!);
        }

        if (operation.ClientStreamType is { } item)
        {
            _readAll = Helper<Func<IAsyncStreamReader<object?[]>, CancellationToken, object>>(nameof(ReadAll), item);
        }
    }

    public ContractOperation Operation { get; }

    public async Task<object?[]> UnaryAsync(object?[] request, ServerCallContext context)
    {
        try
        {
            return Pack(await _await(Invoke(request, context.CancellationToken)).ConfigureAwait(false));
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
            await _writeAll!(Invoke(request, context.CancellationToken)!, responses, context.CancellationToken).ConfigureAwait(false);
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
            var input = _readAll!(requests, context.CancellationToken);
            return Pack(await _await(Invoke([input], context.CancellationToken)).ConfigureAwait(false));
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
            var input = _readAll!(requests, context.CancellationToken);
            await _writeAll!(Invoke([input], context.CancellationToken)!, responses, context.CancellationToken).ConfigureAwait(false);
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

    private object? Invoke(object?[] data, CancellationToken token)
    {
        var args = new object?[_parameterCount];
        for (var i = 0; i < data.Length; i++)
        {
            args[Operation.DataIndexes[i]] = data[i];
        }

        if (Operation.TokenIndex >= 0)
        {
            args[Operation.TokenIndex] = token;
        }

        try
        {
            return Operation.Method.Invoke(_implementation, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    private object?[] Pack(object? result)
    {
        if (Operation.ResultType is null)
        {
            return [];
        }

        if (result is null && Operation.Response.Message.ClrType is { } type && Operation.Response.Message.Fields.Count > 0 && ReferenceEquals(Operation.Response.Message.ClrType, Operation.ResultType))
        {
            throw new RpcException(new Status(StatusCode.Internal, $"{Operation.Method.DeclaringType?.Name}.{Operation.Method.Name} returned null, but its {type.Name} result is not nullable."));
        }

        return [result];
    }

    private static TDelegate Helper<TDelegate>(string name, params Type[] types)
        where TDelegate : Delegate =>
        typeof(OperationHandler).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(types).CreateDelegate<TDelegate>();

    private static async Task<object?> AwaitTask<T>(object? task) => await ((Task<T>)task!).ConfigureAwait(false);

    private static async Task<object?> AwaitValueTask<T>(object? task) => await ((ValueTask<T>)task!).ConfigureAwait(false);

    private static async Task WriteAllAsync<T>(object source, IServerStreamWriter<object?[]> responses, CancellationToken token)
    {
        await foreach (var item in ((IAsyncEnumerable<T>)source).WithCancellation(token).ConfigureAwait(false))
        {
            await responses.WriteAsync([item], token).ConfigureAwait(false);
        }
    }

    private static object ReadAll<T>(IAsyncStreamReader<object?[]> requests, CancellationToken token) => ReadAllAsync<T>(requests, token);

    private static async IAsyncEnumerable<T> ReadAllAsync<T>(IAsyncStreamReader<object?[]> requests, CancellationToken token, [EnumeratorCancellation] CancellationToken enumeration = default)
    {
        using var linked = enumeration.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(token, enumeration) : null;
        while (await requests.MoveNext(linked?.Token ?? token).ConfigureAwait(false))
        {
            yield return (T)requests.Current[0]!;
        }
    }
}

/// <summary>Serves a contract implementation as its gRPC service.</summary>
public static class ContractServer
{
    /// <summary>Builds the gRPC service of <paramref name="implementation"/>, for servers that take a <see cref="ServerServiceDefinition"/>.</summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="implementation">The implementation.</param>
    /// <returns>The service definition.</returns>
    [RequiresDynamicCode("Contract services call their implementation by reflection.")]
    [RequiresUnreferencedCode("Contract services read the contract's records by reflection.")]
    public static ServerServiceDefinition Bind<TContract>(TContract implementation)
        where TContract : class
    {
        ArgumentNullException.ThrowIfNull(implementation);
        var builder = ServerServiceDefinition.CreateBuilder();
        foreach (var handler in Handlers(typeof(TContract), implementation))
        {
            var method = handler.Operation.GrpcMethod;
            _ = method.Type switch
            {
                MethodType.Unary => builder.AddMethod(method, handler.UnaryAsync),
                MethodType.ServerStreaming => builder.AddMethod(method, handler.ServerStreamAsync),
                MethodType.ClientStreaming => builder.AddMethod(method, handler.ClientStreamAsync),
                _ => builder.AddMethod(method, handler.DuplexAsync),
            };
        }

        return builder.Build();
    }

    [RequiresDynamicCode("Contract services call their implementation by reflection.")]
    [RequiresUnreferencedCode("Contract services read the contract's records by reflection.")]
    internal static IReadOnlyList<OperationHandler> Handlers(Type contract, object implementation) =>
        ContractSchema.For(contract).Operations.Select(o => new OperationHandler(o, implementation)).ToList();
}
