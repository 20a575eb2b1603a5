using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Hotplug.Contracts;

/// <summary>
/// Makes an object that implements a contract interface over an <see cref="IOperationInvoker"/>: each call becomes
/// "invoke operation X with these values", and the invoker's result becomes the method's <see cref="Task{TResult}"/>,
/// <see cref="ValueTask{TResult}"/>, value or <see cref="IAsyncEnumerable{T}"/>.
/// </summary>
/// <remarks>
/// A contract the source generator saw gets the proxy it emitted (no proxy type made at run time); any other gets
/// a <see cref="DispatchProxy"/>. Either way the typed adapters are made once per operation, not per call.
/// </remarks>
public static class ContractProxy
{
    /// <summary>Makes a <typeparamref name="TContract"/> whose calls go to <paramref name="invoker"/>.</summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="invoker">What carries out the operations.</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="InvalidContractException">The interface breaks a contract rule.</exception>
    [RequiresDynamicCode("Proxies of contracts without generated code are made at run time.")]
    [RequiresUnreferencedCode("Contract descriptors read the contract's methods by reflection.")]
    public static TContract Create<TContract>(IOperationInvoker invoker)
        where TContract : class =>
        (TContract)Create(ContractDescriptor.For(typeof(TContract)), invoker);

    /// <summary>Makes an object that implements <paramref name="contract"/>, whose calls go to <paramref name="invoker"/>.</summary>
    /// <param name="contract">The contract.</param>
    /// <param name="invoker">What carries out the operations.</param>
    /// <returns>The proxy.</returns>
    [RequiresDynamicCode("Proxies of contracts without generated code are made at run time.")]
    [RequiresUnreferencedCode("Proxies of contracts without generated code are made at run time for the whole interface.")]
    public static object Create(ContractDescriptor contract, IOperationInvoker invoker)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(invoker);
        if (contract.CreateGeneratedProxy(invoker) is { } generated)
        {
            return generated;
        }

        var proxy = DispatchProxy.Create(contract.ContractType, typeof(InvokerProxy));
        ((InvokerProxy)proxy).Initialize(contract, invoker);
        return proxy;
    }

    /// <summary>Carries out one call of a proxy: the arguments as the method got them, the return value as it returns it.</summary>
    internal static object? Call(OperationDescriptor operation, IOperationInvoker invoker, object?[] arguments)
    {
        var token = operation.TokenIndex >= 0 ? (CancellationToken)arguments[operation.TokenIndex]! : default;
        var values = operation.TokenIndex >= 0 ? Values(operation, arguments) : arguments;
        var adapter = operation.Adapter;
        if (operation.StreamsInput)
        {
            values[0] = adapter.ObjectInput(operation, values[0]);
        }

        return operation.StreamsOutput
            ? adapter.ProxyStream(invoker.InvokeStreamAsync(operation, values, token))
            : adapter.ProxyResult(invoker.InvokeAsync(operation, values, token));
    }

    private static object?[] Values(OperationDescriptor operation, object?[] arguments)
    {
        var values = new object?[operation.Parameters.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = arguments[operation.Parameters[i].Position];
        }

        return values;
    }
}

/// <summary>The proxy made at run time for a contract without generated code.</summary>
#pragma warning disable CA1852 // DispatchProxy derives from it at run time.
internal class InvokerProxy : DispatchProxy
#pragma warning restore CA1852
{
    private ContractDescriptor _contract = null!;
    private IOperationInvoker _invoker = null!;

    internal void Initialize(ContractDescriptor contract, IOperationInvoker invoker)
    {
        _contract = contract;
        _invoker = invoker;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var operation = targetMethod is null ? null : _contract.Find(targetMethod);
        if (operation is null)
        {
            throw new NotSupportedException($"{targetMethod?.Name} is not a method of {_contract.ContractType.Name}.");
        }

        return ContractProxy.Call(operation, _invoker, args ?? []);
    }
}
