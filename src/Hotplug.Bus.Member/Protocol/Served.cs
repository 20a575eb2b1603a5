using System.Diagnostics.CodeAnalysis;
using Hotplug.Contracts;
using Hotplug.Wire;

namespace Hotplug.Bus.Protocol;

/// <summary>The contracts one side serves, found by the names that travel on the bus: contract name, operation name.</summary>
internal sealed class Served
{
    private readonly Dictionary<(string Contract, string Operation), (ContractOperation Operation, OperationDispatcher Dispatcher)> _operations = [];
    private readonly HashSet<string> _contracts = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Contracts => _contracts;

    [RequiresDynamicCode("Bus contracts are encoded by reflection.")]
    [RequiresUnreferencedCode("Bus contracts read their records by reflection.")]
    public void Add(Type contract, object implementation)
    {
        var schema = ContractSchema.For(contract);
        var name = schema.ContractName ?? throw new ArgumentException($"{contract.FullName} has no [PluginContract(\"name/v1\")]: only named contracts go over the bus.", nameof(contract));
        var dispatcher = new OperationDispatcher(schema.Descriptor, implementation);
        _contracts.Add(name);
        foreach (var operation in schema.Operations)
        {
            _operations[(name, operation.Name)] = (operation, dispatcher);
        }
    }

    public bool TryFind(string contract, string operation, out ContractOperation found, out OperationDispatcher dispatcher)
    {
        if (_operations.TryGetValue((contract, operation), out var entry))
        {
            (found, dispatcher) = entry;
            return true;
        }

        (found, dispatcher) = (null!, null!);
        return false;
    }

    /// <summary>Why a contract or operation is not served, in one sentence.</summary>
    public string Missing(string contract, string operation) =>
        _contracts.Contains(contract)
            ? $"Contract '{contract}' has no operation '{operation}' here."
            : $"Contract '{contract}' is not served here (this member serves {(_contracts.Count == 0 ? "none" : string.Join(", ", _contracts.Order(StringComparer.Ordinal)))}).";

    /// <summary>Carries out one call: decodes, dispatches, encodes. Throws what the implementation throws.</summary>
    public static async ValueTask<byte[]> CallAsync(ContractOperation operation, OperationDispatcher dispatcher, byte[] payload, CancellationToken cancellationToken)
    {
        var values = operation.Request.Decode(payload.AsSpan());
        if (operation.Descriptor.StreamsInput || operation.Descriptor.StreamsOutput)
        {
            throw new NotSupportedException($"{operation.Descriptor} streams; streams do not go over the bus.");
        }

        var result = await dispatcher.InvokeAsync(operation.Descriptor, values, cancellationToken).ConfigureAwait(false);
        return operation.Response.Encode(operation.Descriptor.ResultType is null ? [] : [result]);
    }
}
