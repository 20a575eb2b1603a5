using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Hotplug.Contracts;

/// <summary>
/// A contract interface as every runtime sees it: its name and its operations, each with its kind, result shape,
/// values and nullability. Made once per interface, from code the source generator emitted when there is some,
/// otherwise by reflection.
/// </summary>
/// <remarks>
/// <para>
/// A contract is an interface (<c>[PluginContract("name/v1")]</c>) of methods, its inherited interfaces' included.
/// Each method is an operation, named without its <c>Async</c> suffix. It takes data values and at most one
/// <see cref="CancellationToken"/>; an <see cref="IAsyncEnumerable{T}"/> parameter, then its only data parameter,
/// streams to the implementation, and an <see cref="IAsyncEnumerable{T}"/> result streams from it. It returns
/// <see cref="Task"/>, <see cref="Task{TResult}"/>, <see cref="ValueTask"/>, <see cref="ValueTask{TResult}"/>, a value
/// or nothing. Properties, events, generic methods and <see langword="ref"/> or <see langword="out"/> parameters
/// cannot be called across a process, a script or a network, and make <see cref="For(Type)"/> throw
/// <see cref="InvalidContractException"/>; so does a generic interface.
/// </para>
/// <para>
/// Descriptors are cached per interface without keeping it alive: a contract loaded in a collectible context can
/// still be unloaded.
/// </para>
/// </remarks>
public sealed class ContractDescriptor
{
    private static readonly ConditionalWeakTable<Type, ContractDescriptor> Cache = [];

    private readonly GeneratedContract? _generated;
    private Dictionary<MethodInfo, OperationDescriptor> _byMethod = [];
    private OperationDescriptor[] _generatedOrder = [];

    private ContractDescriptor(Type contract, GeneratedContract? generated)
    {
        ContractType = contract;
        ContractName = contract.GetCustomAttribute<PluginContractAttribute>(inherit: false)?.Name;
        _generated = generated;
    }

    /// <summary>Gets the contract interface.</summary>
    public Type ContractType { get; }

    /// <summary>Gets the contract's name from <see cref="PluginContractAttribute"/>, such as <c>ranking/v1</c>, if it has one.</summary>
    public string? ContractName { get; }

    /// <summary>Gets the name manifests list the contract by: its <see cref="ContractName"/>, else the interface's full name.</summary>
    public string Name => ContractName ?? ContractType.FullName ?? ContractType.Name;

    /// <summary>Gets the operations, one per method of the interface and of the interfaces it inherits.</summary>
    public IReadOnlyList<OperationDescriptor> Operations { get; private set; } = [];

    /// <summary>Gets whether the source generator emitted the contract's typed parts (no reflection per call, no proxy made at run time).</summary>
    public bool IsGenerated => _generated is not null;

    /// <summary>Makes the proxy the source generator emitted, if it did.</summary>
    internal object? CreateGeneratedProxy(IOperationInvoker invoker) => _generated?.CreateProxy(invoker, _generatedOrder);

    /// <summary>Gets the descriptor of a contract interface, made once per interface.</summary>
    /// <param name="contract">The interface.</param>
    /// <returns>The descriptor.</returns>
    /// <exception cref="InvalidContractException">The interface breaks a contract rule; the message names the member and what to do.</exception>
    [RequiresDynamicCode("Contracts without generated descriptors are described and adapted by reflection.")]
    [RequiresUnreferencedCode("Contract descriptors read the contract's methods by reflection.")]
    public static ContractDescriptor For(Type contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (Cache.TryGetValue(contract, out var known))
        {
            return known;
        }

        var built = Build(contract);
        return Cache.GetValue(contract, _ => built);
    }

    /// <summary>Gets the descriptor of <typeparamref name="TContract"/>, made once per interface.</summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <returns>The descriptor.</returns>
    /// <exception cref="InvalidContractException">The interface breaks a contract rule; the message names the member and what to do.</exception>
    [RequiresDynamicCode("Contracts without generated descriptors are described and adapted by reflection.")]
    [RequiresUnreferencedCode("Contract descriptors read the contract's methods by reflection.")]
    public static ContractDescriptor For<TContract>()
        where TContract : class =>
        For(typeof(TContract));

    /// <summary>Gets the operation of an interface method.</summary>
    /// <param name="method">The method, as the interface that declares it reflects it.</param>
    /// <returns>The operation, or <see langword="null"/> when the method is not one of the contract's.</returns>
    public OperationDescriptor? Find(MethodInfo method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return _byMethod.GetValueOrDefault(method);
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    [RequiresUnreferencedCode("Contract descriptors read the contract's methods by reflection.")]
    private static ContractDescriptor Build(Type contract)
    {
        var generated = ContractRegistry.Find(contract);
        var descriptor = Build(contract, generated is { IsComplete: true } ? generated : null);

        // Generated code that does not cover the interface loaded at run time (a contract assembly changed since the
        // build) is not used: reflection describes it all.
        return descriptor.IsGenerated && descriptor._generatedOrder.Length != descriptor.Operations.Count ? Build(contract, null) : descriptor;
    }

    [RequiresUnreferencedCode("Contract descriptors read the contract's methods by reflection.")]
    private static ContractDescriptor Build(Type contract, GeneratedContract? generated)
    {
        var descriptor = new ContractDescriptor(contract, generated);
        var operations = new DescriptorBuilder(contract, descriptor).Build(generated);
        descriptor.Operations = operations;
        var byMethod = new Dictionary<MethodInfo, OperationDescriptor>(operations.Length);
        foreach (var operation in operations)
        {
            byMethod[operation.Method] = operation;
        }

        descriptor._byMethod = byMethod;
        if (generated is not null)
        {
            var order = generated.Operations.Select(o => byMethod.GetValueOrDefault(o.Method!)).ToArray();
            descriptor._generatedOrder = order.Any(o => o is null) ? [] : [.. order.Select(o => o!)];
        }

        return descriptor;
    }
}
