using System.Collections.Concurrent;
using System.ComponentModel;
using System.Reflection;

namespace Hotplug.Contracts;

/// <summary>
/// Where the source generator's contract code registers itself (from a module initializer), so descriptors,
/// proxies and dispatch of the contracts a program was built with need no reflection per call and no proxy type
/// made at run time. Used by generated code; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ContractRegistry
{
    private static readonly ConcurrentDictionary<Type, Func<GeneratedContract>> Factories = new();

    /// <summary>Registers the generated code of <typeparamref name="TContract"/>, made on first use. The first registration wins.</summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="factory">Makes the generated contract.</param>
    public static void Register<TContract>(Func<GeneratedContract> factory)
        where TContract : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        Factories.TryAdd(typeof(TContract), factory);
    }

    internal static GeneratedContract? Find(Type contract) => Factories.TryGetValue(contract, out var factory) ? factory() : null;
}

/// <summary>What the source generator emits for one contract: a proxy factory and its operations' typed parts. Used by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedContract
{
    private readonly Dictionary<MethodInfo, GeneratedOperation> _operations;

    /// <summary>Creates the generated contract.</summary>
    /// <param name="createProxy">Makes a proxy over an invoker, given the contract's descriptor.</param>
    /// <param name="operations">The operations.</param>
    public GeneratedContract(Func<IOperationInvoker, ContractDescriptor, object> createProxy, IReadOnlyList<GeneratedOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(createProxy);
        ArgumentNullException.ThrowIfNull(operations);
        CreateProxy = createProxy;
        _operations = operations.ToDictionary(o => o.Method);
    }

    /// <summary>Gets what makes a proxy over an invoker.</summary>
    public Func<IOperationInvoker, ContractDescriptor, object> CreateProxy { get; }

    internal GeneratedOperation? Find(MethodInfo method) => _operations.GetValueOrDefault(method);
}

/// <summary>What the source generator emits for one operation. Used by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedOperation
{
    /// <summary>Creates the generated operation.</summary>
    /// <param name="method">The interface method.</param>
    /// <param name="nullability">
    /// The nullability the compiler saw, one character each (<c>n</c> not null, <c>?</c> nullable, <c>-</c> unknown): the
    /// result, then each value, followed by its items' when it streams.
    /// </param>
    /// <param name="call">Calls an implementation with the operation's values and token.</param>
    /// <param name="adapter">The operation's typed adapter (<see cref="OperationAdapter.Create{TResult, TItem}"/>).</param>
    public GeneratedOperation(MethodInfo method, string nullability, Func<object, object?[], CancellationToken, object?> call, OperationAdapter adapter)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(nullability);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(adapter);
        Method = method;
        Nullability = [.. nullability.Select(c => c switch { 'n' => NullabilityState.NotNull, '?' => NullabilityState.Nullable, _ => NullabilityState.Unknown })];
        Call = call;
        Adapter = adapter;
    }

    /// <summary>Gets the interface method.</summary>
    public MethodInfo Method { get; }

    internal NullabilityState[] Nullability { get; }

    internal Func<object, object?[], CancellationToken, object?> Call { get; }

    internal OperationAdapter Adapter { get; }
}
