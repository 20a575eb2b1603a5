using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace Hotplug.Contracts;

/// <summary>
/// Where the source generator's contract code registers itself (from a module initializer), so descriptors,
/// proxies and dispatch of the contracts a program was built with need no reflection per call and no proxy type
/// made at run time. Used by generated code; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ContractRegistry
{
    // Weak on the interface: a contract in a collectible context can still be unloaded.
    private static readonly ConditionalWeakTable<Type, Func<GeneratedContract>> Factories = [];

    /// <summary>Registers the generated code of <typeparamref name="TContract"/>, made on first use. The first registration wins.</summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="factory">Makes the generated contract.</param>
    /// <remarks>
    /// Code in a collectible context registers only contracts of its own context: a plugin built against a contract
    /// the host shares must not pin itself in memory, nor serve the host's proxies with its code.
    /// </remarks>
    public static void Register<TContract>(Func<GeneratedContract> factory)
        where TContract : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        var registering = factory.Method.DeclaringType?.Assembly;
        var context = registering is null ? null : AssemblyLoadContext.GetLoadContext(registering);
        if (context is { IsCollectible: true } && AssemblyLoadContext.GetLoadContext(typeof(TContract).Assembly) != context)
        {
            return;
        }

        Factories.TryAdd(typeof(TContract), factory);
    }

    internal static GeneratedContract? Find(Type contract) => Factories.TryGetValue(contract, out var factory) ? factory() : null;
}

/// <summary>What the source generator emits for one contract: a proxy factory and its operations' typed parts. Used by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedContract
{
    private readonly Func<IOperationInvoker, OperationDescriptor[], object> _createProxy;

    /// <summary>Creates the generated contract.</summary>
    /// <param name="createProxy">Makes a proxy over an invoker, given the operations in the order of <paramref name="operations"/>.</param>
    /// <param name="operations">The operations.</param>
    public GeneratedContract(Func<IOperationInvoker, OperationDescriptor[], object> createProxy, IReadOnlyList<GeneratedOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(createProxy);
        ArgumentNullException.ThrowIfNull(operations);
        _createProxy = createProxy;
        Operations = operations;
    }

    internal IReadOnlyList<GeneratedOperation> Operations { get; }

    /// <summary>
    /// Gets whether the code fits the interface loaded at run time: every method the generator saw is there (a contract
    /// assembly changed since the build is described by reflection instead).
    /// </summary>
    internal bool IsComplete => Operations.All(o => o.Method is not null);

    internal GeneratedOperation? Find(MethodInfo method) => Operations.FirstOrDefault(o => method.Equals(o.Method));

    internal object CreateProxy(IOperationInvoker invoker, OperationDescriptor[] operations) => _createProxy(invoker, operations);
}

/// <summary>What the source generator emits for one operation. Used by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedOperation
{
    /// <summary>Creates the generated operation.</summary>
    /// <param name="method">The interface method, or <see langword="null"/> when the interface loaded at run time lacks it.</param>
    /// <param name="nullability">
    /// The nullability the compiler saw, one character each (<c>n</c> not null, <c>?</c> nullable, <c>-</c> unknown): the
    /// result, then each value, followed by its items' when it streams.
    /// </param>
    /// <param name="call">Calls an implementation with the operation's values and token.</param>
    /// <param name="adapter">The operation's typed adapter (<see cref="OperationAdapter.Create{TResult, TItem}"/>).</param>
    public GeneratedOperation(MethodInfo? method, string nullability, Func<object, object?[], CancellationToken, object?> call, OperationAdapter adapter)
    {
        ArgumentNullException.ThrowIfNull(nullability);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(adapter);
        Method = method;
        Nullability = [.. nullability.Select(c => c switch { 'n' => NullabilityState.NotNull, '?' => NullabilityState.Nullable, _ => NullabilityState.Unknown })];
        Call = call;
        Adapter = adapter;
    }

    /// <summary>Gets the interface method.</summary>
    public MethodInfo? Method { get; }

    internal NullabilityState[] Nullability { get; }

    internal Func<object, object?[], CancellationToken, object?> Call { get; }

    internal OperationAdapter Adapter { get; }
}
