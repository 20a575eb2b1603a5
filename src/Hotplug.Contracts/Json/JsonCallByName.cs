using System.Text.Json;

namespace Hotplug.Contracts.Json;

/// <summary>
/// Call by name in JSON for one plugin version: finds the operation a name means among the contracts the version
/// serves, reads its arguments from a JSON object, has the contract's <see cref="IOperationInvoker"/> carry it out,
/// and writes its result, or each item of its stream, as JSON. The same for every runtime: an object implementing a
/// contract is reached through an <see cref="OperationDispatcher"/>, a process, a script or a bus through its own invoker.
/// </summary>
/// <remarks>
/// <para>
/// A name matches as <see cref="OperationLookup.Find"/> says; arguments are read as
/// <see cref="JsonOperationCodec.ReadArguments"/> says. Every way a call by name can be asked wrongly (no such
/// method, an overloaded name, arguments that do not fit, a stream method called for one answer) throws
/// <see cref="OperationArgumentException"/> before anything is called, with a message that says what to do.
/// Failures of the call itself reach the caller as the invoker throws them.
/// </para>
/// <para>
/// A host that accounts for each call itself (a call gate, a timeout) uses <see cref="Prepare"/> for the operation
/// and its values, and carries the call out its own way; the others use <see cref="InvokeAsync"/> and
/// <see cref="InvokeStreamAsync"/>.
/// </para>
/// </remarks>
public sealed class JsonCallByName : IJsonCallByName
{
    private readonly IReadOnlyDictionary<ContractDescriptor, IOperationInvoker> _contracts;

    /// <summary>Creates call by name for a plugin version.</summary>
    /// <param name="pluginId">The plugin's id, for messages.</param>
    /// <param name="version">The version, for messages.</param>
    /// <param name="contracts">The contracts the version serves, each with the invoker that carries out its operations.</param>
    /// <param name="options">The serializer settings (with a type info resolver), one instance per plugin version (see <see cref="JsonOperationCodec"/>).</param>
    public JsonCallByName(string pluginId, string version, IReadOnlyDictionary<ContractDescriptor, IOperationInvoker> contracts, JsonSerializerOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentNullException.ThrowIfNull(contracts);
        PluginId = pluginId;
        Version = version;
        _contracts = contracts;
        Codec = new JsonOperationCodec(options);
    }

    /// <summary>Gets the plugin's id.</summary>
    public string PluginId { get; }

    /// <summary>Gets the version.</summary>
    public string Version { get; }

    /// <summary>Gets the codec that reads arguments and writes results and items.</summary>
    public JsonOperationCodec Codec { get; }

    /// <summary>Finds the operation <paramref name="name"/> means and reads its arguments, calling nothing.</summary>
    /// <param name="name">The method's name, ignoring case, with or without its <c>Async</c> suffix.</param>
    /// <param name="arguments">A JSON object of arguments by parameter name; <c>null</c> or nothing for none.</param>
    /// <returns>The call, ready to be carried out.</returns>
    /// <exception cref="OperationArgumentException">No method has the name, several overloads do, or the arguments do not fit.</exception>
    public JsonCall Prepare(string name, JsonElement arguments)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var operation = OperationLookup.Find(_contracts.Keys, name, PluginId, Version);
        var values = Codec.ReadArguments(operation, arguments);
        return new JsonCall(this, operation, _contracts[operation.Contract], values);
    }

    /// <inheritdoc />
    IJsonCall IJsonCallByName.Prepare(string name, JsonElement arguments) => Prepare(name, arguments);

    /// <summary>Calls an operation that produces one result by name.</summary>
    /// <param name="name">The method's name, ignoring case, with or without its <c>Async</c> suffix.</param>
    /// <param name="arguments">A JSON object of arguments by parameter name; <c>null</c> or nothing for none.</param>
    /// <param name="cancellationToken">The call's cancellation, which the operation gets.</param>
    /// <returns>The result as JSON; <c>null</c> for an operation without one.</returns>
    /// <exception cref="OperationArgumentException">No method has the name, several overloads do, the arguments do not fit, or the method returns a stream (call it with <see cref="InvokeStreamAsync"/>).</exception>
    public async Task<JsonElement> InvokeAsync(string name, JsonElement arguments, CancellationToken cancellationToken = default) =>
        await Prepare(name, arguments).InvokeAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Calls an operation by name and hands over each item of its stream as JSON as it comes; an operation that produces one result gives it as the only item.</summary>
    /// <param name="name">The method's name, ignoring case, with or without its <c>Async</c> suffix.</param>
    /// <param name="arguments">A JSON object of arguments by parameter name; <c>null</c> or nothing for none.</param>
    /// <param name="cancellationToken">The call's cancellation; the token given to the enumerator cancels it too.</param>
    /// <returns>The items. Nothing is called until the first is asked for.</returns>
    /// <exception cref="OperationArgumentException">No method has the name, several overloads do, or the arguments do not fit (thrown when the first item is asked for).</exception>
    public IAsyncEnumerable<JsonElement> InvokeStreamAsync(string name, JsonElement arguments, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new DeferredStream(this, name, arguments, cancellationToken);
    }

    /// <summary>A stream call that finds its operation when enumerated, so a bad call fails where the items are read.</summary>
    private sealed class DeferredStream(JsonCallByName owner, string name, JsonElement arguments, CancellationToken cancellationToken) : IAsyncEnumerable<JsonElement>
    {
        public IAsyncEnumerator<JsonElement> GetAsyncEnumerator(CancellationToken enumerationToken = default) =>
            owner.Prepare(name, arguments).InvokeStreamAsync(cancellationToken).GetAsyncEnumerator(enumerationToken);
    }
}
