using System.Runtime.CompilerServices;
using System.Text.Json;
using Hotplug.Contracts.Json;
using Hotplug.Hosting;
using Hotplug.Routing;

namespace Hotplug.Invocation;

/// <summary>
/// Calls by name (<see cref="IPluginInvoker"/>): the active version's runtime finds the method and carries the call
/// out (<see cref="Runtimes.IPluginVersion.CallByName"/>); the host calls it under the version's gate — counted in
/// flight, drained and timed out like a routed call.
/// </summary>
internal sealed class PluginInvoker(PluginRegistry registry) : IPluginInvoker
{
    public async Task<JsonElement> InvokeAsync(string pluginId, string method, JsonElement arguments, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        var instance = EnterActive(pluginId);
        var call = Prepare(instance, method, arguments);
        if (call.StreamsOutput)
        {
            // Collecting a stream into one answer would hold all of it in memory, however long it is.
            instance.Gate.Exit();
            throw new PluginInvocationArgumentException(
                $"{call.MethodName} of plugin '{instance.Id}' {instance.Version} is a stream method: call it with InvokeStreamAsync, which hands over each item as the plugin produces it.",
                instance.Id,
                instance.Version);
        }

        return await InvokeUnaryAsync(instance, call, cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<JsonElement> InvokeStreamAsync(string pluginId, string method, JsonElement arguments, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        return InvokeStreamCoreAsync(pluginId, method, arguments, cancellationToken);
    }

    private async IAsyncEnumerable<JsonElement> InvokeStreamCoreAsync(
        string pluginId,
        string method,
        JsonElement arguments,
        CancellationToken cancellationToken,
        [EnumeratorCancellation] CancellationToken enumerationToken = default)
    {
        using var linked = cancellationToken.CanBeCanceled && enumerationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enumerationToken)
            : null;
        var token = linked?.Token ?? (enumerationToken.CanBeCanceled ? enumerationToken : cancellationToken);

        var instance = EnterActive(pluginId);
        var call = Prepare(instance, method, arguments);
        if (!call.StreamsOutput)
        {
            yield return await InvokeUnaryAsync(instance, call, token).ConfigureAwait(false);
            yield break;
        }

        // From here the call owns the gate entry, and gives it back when it is disposed.
        var stream = new StreamCall(instance.Gate, call.MethodName, token);
        try
        {
            stream.Open(call.InvokeStreamAsync(stream.PluginToken));
            while (await stream.MoveNextAsync().ConfigureAwait(false))
            {
                yield return stream.Current;
            }
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Carries out a call that is not a stream and awaits it under the call timeout. Exits the gate entry the caller holds.</summary>
    private static async Task<JsonElement> InvokeUnaryAsync(PluginInstance instance, IJsonCall call, CancellationToken cancellationToken)
    {
        var gate = instance.Gate;
        Task<JsonElement> task;
        try
        {
            task = call.InvokeAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            gate.Exit();
            throw gate.Fault(ex, call.MethodName, cancellationToken);
        }

        // From here the gate is exited when the call really completes (see RouterHelpers.AwaitCore).
        return await RouterHelpers.AwaitCore(task, gate, call.MethodName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Enters a call on the plugin's active version.</summary>
    private PluginInstance EnterActive(string pluginId)
    {
        if (!registry.TryGet(pluginId, out var entry))
        {
            throw new PluginUnavailableException($"No plugin with id '{pluginId}' is known to this host.", pluginId);
        }

        while (true)
        {
            var active = entry.Active
                ?? throw new PluginUnavailableException($"Plugin '{entry.Id}' has no active version: it is not loaded yet, failed, or was taken offline.", entry.Id);
            if (active.Gate.TryEnter())
            {
                return active;
            }
        }
    }

    /// <summary>Has the version's runtime find the method and read the arguments; on failure exits the call entered on <paramref name="instance"/>.</summary>
    private static IJsonCall Prepare(PluginInstance instance, string method, JsonElement arguments)
    {
        try
        {
            var callByName = instance.CallByName
                ?? throw new PluginInvocationArgumentException(
                    $"Plugin '{instance.Id}' {instance.Version} cannot be called by name: its runtime does not answer calls by name.",
                    instance.Id,
                    instance.Version);
            return callByName.Prepare(method, arguments);
        }
        catch (OperationArgumentException ex)
        {
            instance.Gate.Exit();
            throw new PluginInvocationArgumentException(ex.Message, instance.Id, instance.Version);
        }
        catch
        {
            instance.Gate.Exit();
            throw;
        }
    }
}
