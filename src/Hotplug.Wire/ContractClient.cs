using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using Grpc.Core;

namespace Hotplug.Wire;

/// <summary>Calls a contract's service over gRPC through an object that implements the contract interface.</summary>
public static class ContractClient
{
    /// <summary>Creates a client that implements <typeparamref name="TContract"/> by calling its service through <paramref name="invoker"/>.</summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="invoker">The call invoker, such as a channel's.</param>
    /// <param name="options">How calls are made and failures reported; defaults when <see langword="null"/>.</param>
    /// <returns>The client.</returns>
    [RequiresDynamicCode("Contract clients are proxies made at run time.")]
    [RequiresUnreferencedCode("Contract clients read the contract's records by reflection.")]
    public static TContract Create<TContract>(CallInvoker invoker, ContractClientOptions? options = null)
        where TContract : class =>
        (TContract)Create(typeof(TContract), invoker, options);

    /// <summary>Creates a client that implements <paramref name="contract"/> by calling its service through <paramref name="invoker"/>.</summary>
    /// <param name="contract">The contract interface.</param>
    /// <param name="invoker">The call invoker, such as a channel's.</param>
    /// <param name="options">How calls are made and failures reported; defaults when <see langword="null"/>.</param>
    /// <returns>The client.</returns>
    [RequiresDynamicCode("Contract clients are proxies made at run time.")]
    [RequiresUnreferencedCode("Contract clients read the contract's records by reflection.")]
    public static object Create(Type contract, CallInvoker invoker, ContractClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(invoker);
        var schema = ContractSchema.For(contract);
        var proxy = DispatchProxy.Create(contract, typeof(ContractProxy));
        ((ContractProxy)proxy).Initialize(schema, invoker, options ?? new ContractClientOptions());
        return proxy;
    }
}

/// <summary>How a contract client makes its calls and reports failures.</summary>
public sealed class ContractClientOptions
{
    /// <summary>Gets or sets the call options of each call from the caller's token (which must stay in them); by default only the token.</summary>
    public Func<CancellationToken, CallOptions> CallOptions { get; set; } = static token => new CallOptions(cancellationToken: token);

    /// <summary>
    /// Gets or sets what a failed call throws, from the <see cref="RpcException"/>, the method and the caller's token.
    /// By default a cancellation the caller asked for is an <see cref="OperationCanceledException"/>, and anything
    /// else the <see cref="RpcException"/> itself.
    /// </summary>
    public Func<RpcException, ContractOperation, CancellationToken, Exception> Translate { get; set; } = static (exception, _, token) =>
        exception.StatusCode == StatusCode.Cancelled && token.IsCancellationRequested ? new OperationCanceledException(exception.Status.Detail, exception, token) : exception;
}

/// <summary>The proxy behind a contract client.</summary>
[RequiresDynamicCode("Contract clients are proxies made at run time.")]
[RequiresUnreferencedCode("Contract clients read the contract's records by reflection.")]
#pragma warning disable CA1852 // DispatchProxy derives from it at run time.
internal class ContractProxy : DispatchProxy
#pragma warning restore CA1852
{
    private ContractSchema _schema = null!;

    internal CallInvoker Invoker { get; private set; } = null!;

    internal ContractClientOptions Options { get; private set; } = null!;

    internal void Initialize(ContractSchema schema, CallInvoker invoker, ContractClientOptions options)
    {
        _schema = schema;
        Invoker = invoker;
        Options = options;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod is null || !_schema.ByMethod.TryGetValue(targetMethod, out var operation))
        {
            throw new NotSupportedException($"{targetMethod?.Name} is not a method of {_schema.ContractType.Name}.");
        }

        args ??= [];
        var token = operation.TokenIndex >= 0 ? (CancellationToken)args[operation.TokenIndex]! : default;
        return (operation.ClientCall ??= ClientCalls.For(operation))(this, args, token);
    }
}

/// <summary>The client side of each kind of method, typed by its result.</summary>
[RequiresDynamicCode("Contract clients are proxies made at run time.")]
[RequiresUnreferencedCode("Contract clients read the contract's records by reflection.")]
internal static class ClientCalls
{
    public static Func<ContractProxy, object?[], CancellationToken, object?> For(ContractOperation operation)
    {
        var result = operation.ResultType ?? typeof(object);
        switch (operation.Kind)
        {
            case MethodType.ServerStreaming:
                return Make(nameof(ServerStream), result);
            case MethodType.DuplexStreaming:
                return Make(nameof(Duplex), operation.ClientStreamType!, result);
            case MethodType.ClientStreaming:
                var stream = Make(nameof(ClientStream), operation.ClientStreamType!);
                var shapeClient = Shape(operation, result);
                return (proxy, args, token) => shapeClient((Task<object?>)stream(proxy, args, token)!);
            default:
                if (operation.Shape is ReturnShape.Sync or ReturnShape.Void)
                {
                    return Blocking;
                }

                var shape = Shape(operation, result);
                return (proxy, args, token) => shape(UnaryAsync(proxy, operation, args, token));
        }

        Func<ContractProxy, object?[], CancellationToken, object?> Make(string name, params Type[] types)
        {
            var helper = typeof(ClientCalls).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(types)
                .CreateDelegate<Func<ContractProxy, ContractOperation, object?[], CancellationToken, object?>>();
            return (proxy, args, token) => helper(proxy, operation, args, token);
        }

        object? Blocking(ContractProxy proxy, object?[] args, CancellationToken token)
        {
            try
            {
                var response = proxy.Invoker.BlockingUnaryCall(operation.GrpcMethod, null, proxy.Options.CallOptions(token), Data(operation, args));
                return operation.ResultType is null ? null : response[0];
            }
            catch (RpcException ex)
            {
                throw proxy.Options.Translate(ex, operation, token);
            }
        }
    }

    private static Func<Task<object?>, object?> Shape(ContractOperation operation, Type result)
    {
        var cast = typeof(ClientCalls).GetMethod(operation.Shape is ReturnShape.ValueTaskOfT ? nameof(AsValueTask) : nameof(Cast), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(result).CreateDelegate<Func<Task<object?>, object?>>();
        return operation.Shape switch
        {
            ReturnShape.Task => task => (Task)task,
            ReturnShape.ValueTask => task => new ValueTask(task),
            ReturnShape.Sync => task => task.GetAwaiter().GetResult(),
            ReturnShape.Void => task =>
            {
                task.GetAwaiter().GetResult();
                return null;
            },
            _ => cast,
        };
    }

    private static object?[] Data(ContractOperation operation, object?[] args)
    {
        var data = new object?[operation.DataIndexes.Length];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = args[operation.DataIndexes[i]];
        }

        return data;
    }

    private static async Task<object?> UnaryAsync(ContractProxy proxy, ContractOperation operation, object?[] args, CancellationToken token)
    {
        try
        {
            using var call = proxy.Invoker.AsyncUnaryCall(operation.GrpcMethod, null, proxy.Options.CallOptions(token), Data(operation, args));
            var response = await call.ResponseAsync.ConfigureAwait(false);
            return operation.ResultType is null ? null : response[0];
        }
        catch (RpcException ex)
        {
            throw proxy.Options.Translate(ex, operation, token);
        }
    }

    private static object? Cast<T>(Task<object?> task) => CastAsync<T>(task);

    private static object? AsValueTask<T>(Task<object?> task) => new ValueTask<T>(CastAsync<T>(task));

    private static async Task<T> CastAsync<T>(Task<object?> task) => (T)(await task.ConfigureAwait(false))!;

    private static object? ServerStream<T>(ContractProxy proxy, ContractOperation operation, object?[] args, CancellationToken token) =>
        ServerStreamAsync<T>(proxy, operation, Data(operation, args), token);

    private static async IAsyncEnumerable<T> ServerStreamAsync<T>(ContractProxy proxy, ContractOperation operation, object?[] request, CancellationToken token, [EnumeratorCancellation] CancellationToken enumeration = default)
    {
        using var linked = enumeration.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(token, enumeration) : null;
        var combined = linked?.Token ?? token;
        AsyncServerStreamingCall<object?[]> call;
        try
        {
            call = proxy.Invoker.AsyncServerStreamingCall(operation.GrpcMethod, null, proxy.Options.CallOptions(combined), request);
        }
        catch (RpcException ex)
        {
            throw proxy.Options.Translate(ex, operation, combined);
        }

        using (call)
        {
            while (await MoveNextAsync(proxy, operation, call.ResponseStream, combined).ConfigureAwait(false))
            {
                yield return (T)call.ResponseStream.Current[0]!;
            }
        }
    }

    private static object? ClientStream<TItem>(ContractProxy proxy, ContractOperation operation, object?[] args, CancellationToken token) =>
        ClientStreamAsync((IAsyncEnumerable<TItem>)args[operation.DataIndexes[0]]!, proxy, operation, token);

    private static async Task<object?> ClientStreamAsync<TItem>(IAsyncEnumerable<TItem> input, ContractProxy proxy, ContractOperation operation, CancellationToken token)
    {
        try
        {
            using var call = proxy.Invoker.AsyncClientStreamingCall(operation.GrpcMethod, null, proxy.Options.CallOptions(token));
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
            return operation.ResultType is null ? null : response[0];
        }
        catch (RpcException ex)
        {
            throw proxy.Options.Translate(ex, operation, token);
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

    private static object? Duplex<TItem, TResult>(ContractProxy proxy, ContractOperation operation, object?[] args, CancellationToken token) =>
        DuplexAsync<TItem, TResult>((IAsyncEnumerable<TItem>)args[operation.DataIndexes[0]]!, proxy, operation, token);

    private static async IAsyncEnumerable<TResult> DuplexAsync<TItem, TResult>(IAsyncEnumerable<TItem> input, ContractProxy proxy, ContractOperation operation, CancellationToken token, [EnumeratorCancellation] CancellationToken enumeration = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, enumeration);
        AsyncDuplexStreamingCall<object?[], object?[]> call;
        try
        {
            call = proxy.Invoker.AsyncDuplexStreamingCall(operation.GrpcMethod, null, proxy.Options.CallOptions(linked.Token));
        }
        catch (RpcException ex)
        {
            throw proxy.Options.Translate(ex, operation, linked.Token);
        }

        using (call)
        {
            var pump = PumpAsync(input, call.RequestStream, linked.Token);
            try
            {
                while (await MoveNextAsync(proxy, operation, call.ResponseStream, linked.Token).ConfigureAwait(false))
                {
                    yield return (TResult)call.ResponseStream.Current[0]!;
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

    private static async Task PumpAsync<TItem>(IAsyncEnumerable<TItem> input, IClientStreamWriter<object?[]> requests, CancellationToken token)
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

    private static async Task<bool> MoveNextAsync(ContractProxy proxy, ContractOperation operation, IAsyncStreamReader<object?[]> stream, CancellationToken token)
    {
        try
        {
            return await stream.MoveNext(token).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw proxy.Options.Translate(ex, operation, token);
        }
    }
}
