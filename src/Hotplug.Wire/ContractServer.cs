using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using Hotplug.Contracts;

namespace Hotplug.Wire;

/// <summary>Serves a contract implementation as its gRPC service.</summary>
/// <remarks>Each method's calls go to the contract layer's <see cref="OperationDispatcher"/> over the implementation.</remarks>
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

    /// <summary>Gets the handlers of a contract's methods, each calling <paramref name="implementation"/> through one dispatcher.</summary>
    [RequiresDynamicCode("Contract services call their implementation by reflection.")]
    [RequiresUnreferencedCode("Contract services read the contract's records by reflection.")]
    internal static IReadOnlyList<OperationHandler> Handlers(Type contract, object implementation)
    {
        var schema = ContractSchema.For(contract);
        var dispatcher = new OperationDispatcher(schema.Descriptor, implementation);
        return [.. schema.Operations.Select(o => new OperationHandler(o, dispatcher))];
    }
}
