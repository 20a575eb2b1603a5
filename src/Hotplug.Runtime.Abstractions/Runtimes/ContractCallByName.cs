using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Hotplug.Contracts;
using Hotplug.Contracts.Json;

namespace Hotplug.Runtimes;

/// <summary>
/// Call by name over a version's contract interfaces, each carried out by an <see cref="IOperationInvoker"/> the
/// runtime supplies (an <see cref="OperationDispatcher"/> over its object, a gRPC invoker over its connection): what
/// a runtime with CLR contract types returns from <see cref="IPluginVersion.CallByName"/>.
/// </summary>
/// <remarks>
/// A contract the contract layer refuses (<see cref="ContractDescriptor.For(Type)"/> throws) and a contract the
/// manifest names that the runtime could not find the interface of are not callable by name; a call whose name is
/// not found among the others fails with the reason for each of them, so the caller learns what to fix. Its JSON
/// settings are its own, one instance per version, so letting go of it lets go of their metadata cache.
/// </remarks>
public sealed class ContractCallByName : IJsonCallByName
{
    private readonly JsonCallByName _calls;
    private readonly IReadOnlyList<string> _unavailable;
    private readonly string[] _operations;

    /// <summary>Creates call by name for a version.</summary>
    /// <param name="pluginId">The plugin's id, for messages.</param>
    /// <param name="version">The version, for messages.</param>
    /// <param name="contracts">The version's contract interfaces, each with a factory of the invoker that carries out its operations.</param>
    /// <param name="unavailable">Why contracts the version serves cannot be called by name (one sentence each), such as a contract whose interface is unknown.</param>
    public ContractCallByName(string pluginId, string version, IEnumerable<KeyValuePair<Type, Func<ContractDescriptor, IOperationInvoker>>> contracts, IEnumerable<string>? unavailable = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentNullException.ThrowIfNull(contracts);
        var reasons = new List<string>(unavailable ?? []);
        var callable = new Dictionary<ContractDescriptor, IOperationInvoker>();
        foreach (var (type, invoker) in contracts)
        {
            ContractDescriptor descriptor;
            try
            {
                descriptor = ContractDescriptor.For(type);
            }
            catch (InvalidContractException ex)
            {
                reasons.Add($"Contract {Describe(type)} cannot be called by name: {ex.Message}");
                continue;
            }

            callable[descriptor] = invoker(descriptor);
        }

        _unavailable = reasons;
        _operations = [.. callable.Keys.SelectMany(c => c.Operations).Select(o => o.Method.Name)];
        _calls = new JsonCallByName(pluginId, version, callable, new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        });
    }

    /// <inheritdoc />
    public IJsonCall Prepare(string name, JsonElement arguments)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_unavailable.Count > 0 && !_operations.Any(o => ContractRules.IsMethodName(o, name) || ContractRules.IsMethodNameWithoutAsync(o, name)))
        {
            throw new OperationArgumentException(_operations.Length == 0
                ? $"Plugin '{_calls.PluginId}' {_calls.Version} cannot be called by name. {string.Join(" ", _unavailable)}"
                : $"Plugin '{_calls.PluginId}' {_calls.Version} has no method '{name}' among the contracts it can be called by name through (they have: {string.Join(", ", _operations.Distinct().Order(StringComparer.Ordinal))}). {string.Join(" ", _unavailable)}");
        }

        return _calls.Prepare(name, arguments);
    }

    private static string Describe(Type contract) =>
        contract.GetCustomAttributes(typeof(PluginContractAttribute), inherit: false) is [PluginContractAttribute attribute, ..]
            ? $"'{attribute.Name}' ({contract.FullName})"
            : $"'{contract.FullName}'";
}
