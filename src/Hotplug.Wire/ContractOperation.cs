using System.Reflection;
using Grpc.Core;

namespace Hotplug.Wire;

/// <summary>What a contract method returns, which decides how its result is awaited and sent.</summary>
internal enum ReturnShape
{
    Void,
    Sync,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
    Stream,
}

/// <summary>One method of a contract as a gRPC method.</summary>
public sealed class ContractOperation
{
    internal ContractOperation(MethodInfo method, string name, MethodType kind, string serviceName, ReturnShape shape, Type? result, Type? clientStream, int tokenIndex, int[] dataIndexes, PayloadCodec request, PayloadCodec response)
    {
        Method = method;
        Name = name;
        Kind = kind;
        Shape = shape;
        ResultType = result;
        ClientStreamType = clientStream;
        TokenIndex = tokenIndex;
        DataIndexes = dataIndexes;
        Request = request;
        Response = response;
        // Contextual: messages are written into and read from gRPC's own buffers.
        var marshallerIn = new Marshaller<object?[]>((Action<object?[], SerializationContext>)request.Encode, (Func<DeserializationContext, object?[]>)request.Decode);
        var marshallerOut = new Marshaller<object?[]>((Action<object?[], SerializationContext>)response.Encode, (Func<DeserializationContext, object?[]>)response.Decode);
        GrpcMethod = new Method<object?[], object?[]>(kind, serviceName, name, marshallerIn, marshallerOut);
    }

    /// <summary>Gets the interface method.</summary>
    public MethodInfo Method { get; }

    /// <summary>Gets the gRPC method name, such as <c>Rank</c>.</summary>
    public string Name { get; }

    /// <summary>Gets whether the method is unary or streams.</summary>
    public MethodType Kind { get; }

    /// <summary>Gets the full gRPC method name, such as <c>/ranking.v1.Ranker/Rank</c>.</summary>
    public string FullName => GrpcMethod.FullName;

    /// <summary>Gets the request message's name in the <c>.proto</c> file.</summary>
    public string RequestMessage => Request.Message.ProtoName;

    /// <summary>Gets the response message's name in the <c>.proto</c> file.</summary>
    public string ResponseMessage => Response.Message.ProtoName;

    internal ReturnShape Shape { get; }

    /// <summary>Gets the result type (the item type of a stream), or <see langword="null"/> for none.</summary>
    internal Type? ResultType { get; }

    /// <summary>Gets the item type of an <see cref="IAsyncEnumerable{T}"/> parameter.</summary>
    internal Type? ClientStreamType { get; }

    internal int TokenIndex { get; }

    /// <summary>Gets the positions of the parameters that travel (all but the cancellation token).</summary>
    internal int[] DataIndexes { get; }

    internal PayloadCodec Request { get; }

    internal PayloadCodec Response { get; }

    /// <summary>Gets the gRPC method, whose messages are the parameter values and the result as arrays.</summary>
    internal Method<object?[], object?[]> GrpcMethod { get; }

    /// <summary>Gets or sets the client side of the call, made on first use.</summary>
    internal Func<ContractProxy, object?[], CancellationToken, object?>? ClientCall { get; set; }
}

/// <summary>Encodes the values of a request or response: as one record's message, or as a message made of them.</summary>
internal sealed class PayloadCodec(MessageType message, bool direct)
{
    public MessageType Message => message;

    public byte[] Encode(object?[] values)
    {
        var writer = ProtoWriter.Rent();
        try
        {
            Write(writer, values);
            return writer.ToArray();
        }
        finally
        {
            ProtoWriter.Return(writer);
        }
    }

    /// <summary>Encodes straight into gRPC's buffer: no array per message.</summary>
    public void Encode(object?[] values, SerializationContext context)
    {
        var writer = ProtoWriter.Rent();
        try
        {
            Write(writer, values);
            var written = writer.Written;
            context.SetPayloadLength(written.Length);
            var target = context.GetBufferWriter();
            written.CopyTo(target.GetSpan(written.Length));
            target.Advance(written.Length);
            context.Complete();
        }
        finally
        {
            ProtoWriter.Return(writer);
        }
    }

    public object?[] Decode(byte[] data) => Decode(data.AsSpan());

    /// <summary>Decodes from gRPC's buffer where the message arrived in one piece, with no copy.</summary>
    public object?[] Decode(DeserializationContext context)
    {
        var payload = context.PayloadAsReadOnlySequence();
        return payload.IsSingleSegment ? Decode(payload.FirstSpan) : Decode(System.Buffers.BuffersExtensions.ToArray(payload));
    }

    private object?[] Decode(ReadOnlySpan<byte> data) => direct ? [message.Create!(message.ReadValues(data))] : message.ReadValues(data);

    private void Write(ProtoWriter writer, object?[] values)
    {
        if (direct)
        {
            var value = values[0] ?? throw new ArgumentNullException(message.ClrType?.Name, $"A null {message.ClrType?.Name} cannot go over the wire.");
            message.WriteValues(writer, message.Get!(value));
        }
        else
        {
            message.WriteValues(writer, values);
        }
    }
}
