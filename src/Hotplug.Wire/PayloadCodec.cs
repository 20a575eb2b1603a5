using Grpc.Core;

namespace Hotplug.Wire;

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

    public object?[] Decode(ReadOnlySpan<byte> data) => direct ? [message.Create!(message.ReadValues(data))] : message.ReadValues(data);

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
