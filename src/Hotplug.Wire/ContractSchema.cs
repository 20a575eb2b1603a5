using System.Runtime.CompilerServices;
using System.Reflection;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Hotplug.Contracts;

namespace Hotplug.Wire;

/// <summary>
/// How a contract interface goes over gRPC, with no <c>.proto</c> file: one service per interface, one method
/// per operation of its <see cref="ContractDescriptor"/>, protobuf messages made from its records. Both sides
/// derive it from the same interface, and <see cref="ToProto"/> writes it down for plugins in other languages.
/// </summary>
/// <remarks>
/// <para>
/// The service is named from the contract name: <c>[PluginContract("ranking/v1")] IRanker</c> is
/// <c>ranking.v1.Ranker</c>; an interface without the attribute takes its namespace. Each method is named without
/// its <c>Async</c> suffix. A method that takes one record and returns one record uses them as its request and
/// response messages; otherwise the schema makes <c>&lt;Method&gt;Request</c> (the parameters, in order) and
/// <c>&lt;Method&gt;Response</c> (the result as field <c>value</c>). <see cref="IAsyncEnumerable{T}"/> results stream
/// from the plugin, an <see cref="IAsyncEnumerable{T}"/> parameter streams to it, and both make a bidirectional stream.
/// A <see cref="CancellationToken"/> parameter carries the call's cancellation and deadline.
/// </para>
/// <para>
/// A record's fields are numbered in the order of its constructor's parameters, then its other settable
/// properties: add new members at the end to stay compatible with peers built against the older contract.
/// Numbers, <see cref="bool"/>, <see cref="string"/>, <c>byte[]</c>, enums, <see cref="decimal"/> and
/// <see cref="Guid"/> (as strings), <see cref="DateTimeOffset"/>/<see cref="DateTime"/> (Timestamp),
/// <see cref="TimeSpan"/> (Duration), nested records, arrays and lists (repeated) and dictionaries (map) are
/// carried; nullable numbers and strings become proto3 <c>optional</c> fields, so null survives the trip.
/// </para>
/// </remarks>
public sealed partial class ContractSchema
{
    // Without keeping the interface alive: a contract loaded in a collectible context can still be unloaded.
    private static readonly ConditionalWeakTable<Type, ContractSchema> Cache = [];

    private ContractSchema(ContractDescriptor descriptor, string package, string serviceName, IReadOnlyList<ContractOperation> operations, IReadOnlyList<WireType> types)
    {
        Descriptor = descriptor;
        Package = package;
        ServiceName = serviceName;
        Operations = operations;
        Types = types;
    }

    /// <summary>Gets the contract as every runtime describes it.</summary>
    public ContractDescriptor Descriptor { get; }

    /// <summary>Gets the contract interface.</summary>
    public Type ContractType => Descriptor.ContractType;

    /// <summary>Gets the contract name from <see cref="PluginContractAttribute"/>, such as <c>ranking/v1</c>, if it has one.</summary>
    public string? ContractName => Descriptor.ContractName;

    /// <summary>Gets the protobuf package, such as <c>ranking.v1</c>.</summary>
    public string Package { get; }

    /// <summary>Gets the service name, such as <c>Ranker</c>.</summary>
    public string ServiceName { get; }

    /// <summary>Gets the full service name, such as <c>ranking.v1.Ranker</c>.</summary>
    public string FullServiceName => Package.Length == 0 ? ServiceName : Package + "." + ServiceName;

    /// <summary>Gets the service's methods, one per operation, in the order of <see cref="ContractDescriptor.Operations"/>.</summary>
    public IReadOnlyList<ContractOperation> Operations { get; }

    internal IReadOnlyList<WireType> Types { get; }

    /// <summary>Gets the schema of a contract interface (built once per interface).</summary>
    /// <param name="contract">The interface.</param>
    /// <returns>The schema.</returns>
    /// <exception cref="ContractSchemaException">A member cannot go over gRPC; the message names it and why.</exception>
    [RequiresDynamicCode("Contract schemas are built by reflection; serve proto-first services in NativeAOT plugins.")]
    [RequiresUnreferencedCode("Contract schemas read the contract's records by reflection.")]
    public static ContractSchema For(Type contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (Cache.TryGetValue(contract, out var known))
        {
            return known;
        }

        ContractDescriptor descriptor;
        try
        {
            descriptor = ContractDescriptor.For(contract);
        }
        catch (InvalidContractException ex)
        {
            throw new ContractSchemaException(contract, ex.Message, ex);
        }

        var built = new Builder(descriptor, descriptor.ContractType).Build();
        return Cache.GetValue(contract, _ => built);
    }

    /// <summary>Writes the schema as a proto3 file, for implementing the contract in Go, Python, Rust or anything protoc serves.</summary>
    /// <param name="fileOptions">File options to write, such as <c>go_package</c>.</param>
    /// <returns>The <c>.proto</c> text.</returns>
    public string ToProto(IEnumerable<KeyValuePair<string, string>>? fileOptions = null) => ProtoExport.Write(this, fileOptions ?? []);

    /// <summary>
    /// Gets the codec of one message type on its own, outside any operation: what typed events, bus messages and work
    /// items that are not calls travel as. The type is a record (or class) whose members go over the wire.
    /// </summary>
    [RequiresDynamicCode("Contract schemas are built by reflection.")]
    [RequiresUnreferencedCode("Contract schemas read the contract's records by reflection.")]
    internal static PayloadCodec MessageCodec(Type messageType)
    {
        ArgumentNullException.ThrowIfNull(messageType);
        return MessageCodecs.GetValue(messageType, static type =>
        {
            var field = new Builder(null, type).Field(1, "value", "value", type, NullabilityState.NotNull, $"Message {type.Name}");
            return field is { Kind: FieldKind.Single, Type: MessageType { ClrType.IsValueType: false } message }
                ? new PayloadCodec(message, direct: true)
                : throw new ContractSchemaException(type, $"{type.FullName} cannot travel as a message on its own: use a record whose members go over the wire.");
        });
    }

    private static readonly ConditionalWeakTable<Type, PayloadCodec> MessageCodecs = new();

    internal static readonly MessageType Empty = CreateEmpty();

    private static MessageType CreateEmpty()
    {
        var empty = new MessageType("google.protobuf.Empty", null);
        empty.Complete([], null, null);
        return empty;
    }

    /// <summary>Turns <c>UserId</c> into <c>user_id</c>, as proto files name fields.</summary>
    internal static string Snake(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLower(c, CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
