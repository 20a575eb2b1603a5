using System.Reflection;
using Grpc.Core;
using Hotplug.Contracts;

namespace Hotplug.Wire;

/// <summary>One operation of a contract as a gRPC method: its descriptor, its name on the wire and its messages.</summary>
public sealed class ContractOperation
{
    internal ContractOperation(OperationDescriptor descriptor, string serviceName, PayloadCodec request, PayloadCodec response)
    {
        Descriptor = descriptor;
        Kind = descriptor.Kind switch
        {
            OperationKind.ServerStream => MethodType.ServerStreaming,
            OperationKind.ClientStream => MethodType.ClientStreaming,
            OperationKind.DuplexStream => MethodType.DuplexStreaming,
            _ => MethodType.Unary,
        };
        Request = request;
        Response = response;

        // Contextual: messages are written into and read from gRPC's own buffers.
        var marshallerIn = new Marshaller<object?[]>((Action<object?[], SerializationContext>)request.Encode, (Func<DeserializationContext, object?[]>)request.Decode);
        var marshallerOut = new Marshaller<object?[]>((Action<object?[], SerializationContext>)response.Encode, (Func<DeserializationContext, object?[]>)response.Decode);
        GrpcMethod = new Method<object?[], object?[]>(Kind, serviceName, descriptor.Name, marshallerIn, marshallerOut);
    }

    /// <summary>Gets the operation as every runtime describes it.</summary>
    public OperationDescriptor Descriptor { get; }

    /// <summary>Gets the interface method.</summary>
    public MethodInfo Method => Descriptor.Method;

    /// <summary>Gets the gRPC method name, such as <c>Rank</c>.</summary>
    public string Name => Descriptor.Name;

    /// <summary>Gets whether the method is unary or streams.</summary>
    public MethodType Kind { get; }

    /// <summary>Gets the full gRPC method name, such as <c>/ranking.v1.Ranker/Rank</c>.</summary>
    public string FullName => GrpcMethod.FullName;

    /// <summary>Gets the request message's name in the <c>.proto</c> file.</summary>
    public string RequestMessage => Request.Message.ProtoName;

    /// <summary>Gets the response message's name in the <c>.proto</c> file.</summary>
    public string ResponseMessage => Response.Message.ProtoName;

    /// <summary>Gets the codec of the request: the operation's values (or one item of its input stream).</summary>
    internal PayloadCodec Request { get; }

    /// <summary>Gets the codec of the response: the result (or one item of its output stream).</summary>
    internal PayloadCodec Response { get; }

    /// <summary>Gets the gRPC method, whose messages are the operation's values and its result as arrays.</summary>
    internal Method<object?[], object?[]> GrpcMethod { get; }
}
