using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using Hotplug.Contracts;

namespace Hotplug.Wire;

/// <summary>Calls a contract's service over gRPC through an object that implements the contract interface.</summary>
/// <remarks>
/// The object is the contract layer's <see cref="ContractProxy"/> over a <see cref="GrpcOperationInvoker"/>: the
/// proxy turns each call into an operation and its values, the invoker makes the gRPC call, the schema's codec
/// writes the messages.
/// </remarks>
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
        return ContractProxy.Create(schema.Descriptor, new GrpcOperationInvoker(schema, invoker, options ?? new ContractClientOptions()));
    }
}
