using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Hotplug.Contracts.Json;

/// <summary>
/// One call by name, found and read but not yet made: the operation, its values and the invoker that carries it
/// out. Made by <see cref="JsonCallByName.Prepare"/>.
/// </summary>
public sealed class JsonCall : IJsonCall
{
    private readonly JsonCallByName _owner;

    internal JsonCall(JsonCallByName owner, OperationDescriptor operation, IOperationInvoker invoker, object?[] values)
    {
        _owner = owner;
        Operation = operation;
        Invoker = invoker;
        Values = values;
    }

    /// <summary>Gets the operation the name means.</summary>
    public OperationDescriptor Operation { get; }

    /// <inheritdoc />
    public string MethodName => Operation.Method.Name;

    /// <inheritdoc />
    public bool StreamsOutput => Operation.StreamsOutput;

    /// <summary>Gets the invoker of the operation's contract.</summary>
    public IOperationInvoker Invoker { get; }

    /// <summary>Gets the values read from the arguments, in the order of <see cref="OperationDescriptor.Parameters"/>, the cancellation token left out.</summary>
    public IReadOnlyList<object?> Values { get; }

    /// <summary>Carries out an operation that produces one result.</summary>
    /// <param name="cancellationToken">The call's cancellation, which the operation gets.</param>
    /// <returns>The result as JSON; <c>null</c> for an operation without one.</returns>
    /// <exception cref="OperationArgumentException">The operation returns a stream: call it with <see cref="InvokeStreamAsync"/>.</exception>
    public async Task<JsonElement> InvokeAsync(CancellationToken cancellationToken = default)
    {
        if (Operation.StreamsOutput)
        {
            // Collecting a stream into one answer would hold all of it in memory, however long it is.
            throw new OperationArgumentException(
                $"{Operation.Method.Name} of plugin '{_owner.PluginId}' {_owner.Version} is a stream method: call it with InvokeStreamAsync, which hands over each item as the plugin produces it.");
        }

        var result = await Invoker.InvokeAsync(Operation, [.. Values], cancellationToken).ConfigureAwait(false);
        return _owner.Codec.WriteResult(Operation, result);
    }

    /// <summary>Carries out the operation and hands over each item of its stream as JSON as it comes; an operation that produces one result gives it as the only item.</summary>
    /// <param name="cancellationToken">The call's cancellation; the token given to the enumerator cancels it too.</param>
    /// <returns>The items. Nothing is called until the first is asked for, and nothing is read ahead.</returns>
    public IAsyncEnumerable<JsonElement> InvokeStreamAsync(CancellationToken cancellationToken = default) => StreamAsync(cancellationToken);

    private async IAsyncEnumerable<JsonElement> StreamAsync(CancellationToken cancellationToken, [EnumeratorCancellation] CancellationToken enumerationToken = default)
    {
        using var linked = cancellationToken.CanBeCanceled && enumerationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enumerationToken)
            : null;
        var token = linked?.Token ?? (enumerationToken.CanBeCanceled ? enumerationToken : cancellationToken);
        if (!Operation.StreamsOutput)
        {
            yield return await InvokeAsync(token).ConfigureAwait(false);
            yield break;
        }

        await foreach (var item in Invoker.InvokeStreamAsync(Operation, [.. Values], token).WithCancellation(token).ConfigureAwait(false))
        {
            yield return _owner.Codec.WriteItem(Operation, item);
        }
    }
}
