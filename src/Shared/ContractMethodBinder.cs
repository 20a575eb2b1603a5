using System.Diagnostics.CodeAnalysis;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Hotplug.Process.Protocol.Frames;
using Hotplug.Wire;

namespace Hotplug.Process;

/// <summary>Adds contract methods to ASP.NET Core's gRPC server, or to the fast lane's: shared by plugins (their contracts) and hosts (their services).</summary>
internal static class ContractMethodBinder
{
    public static void Bind<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods)] TService>(
        ServiceMethodProviderContext<TService> context, IEnumerable<OperationHandler> handlers)
        where TService : class
    {
        foreach (var handler in handlers)
        {
            var method = handler.Operation.GrpcMethod;
            switch (method.Type)
            {
                case MethodType.Unary:
                    context.AddUnaryMethod(method, [], (_, request, call) => handler.UnaryAsync(request, call));
                    break;
                case MethodType.ServerStreaming:
                    context.AddServerStreamingMethod(method, [], (_, request, responses, call) => handler.ServerStreamAsync(request, responses, call));
                    break;
                case MethodType.ClientStreaming:
                    context.AddClientStreamingMethod(method, [], (_, requests, call) => handler.ClientStreamAsync(requests, call));
                    break;
                default:
                    context.AddDuplexStreamingMethod(method, [], (_, requests, responses, call) => handler.DuplexAsync(requests, responses, call));
                    break;
            }
        }
    }

    public static void Bind(FrameHandlers fastLane, IEnumerable<OperationHandler> handlers)
    {
        foreach (var handler in handlers)
        {
            var method = handler.Operation.GrpcMethod;
            switch (method.Type)
            {
                case MethodType.Unary:
                    fastLane.AddMethod(method, (UnaryServerMethod<object?[], object?[]>)handler.UnaryAsync);
                    break;
                case MethodType.ServerStreaming:
                    fastLane.AddMethod(method, (ServerStreamingServerMethod<object?[], object?[]>)handler.ServerStreamAsync);
                    break;
                case MethodType.ClientStreaming:
                    fastLane.AddMethod(method, (ClientStreamingServerMethod<object?[], object?[]>)handler.ClientStreamAsync);
                    break;
                default:
                    fastLane.AddMethod(method, (DuplexStreamingServerMethod<object?[], object?[]>)handler.DuplexAsync);
                    break;
            }
        }
    }
}
