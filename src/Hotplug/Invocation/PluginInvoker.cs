using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Hotplug.Hosting;
using Hotplug.Routing;

namespace Hotplug.Invocation;

/// <summary>
/// Calls by name (<see cref="IPluginInvoker"/>): finds the method among the active version's contracts, binds the
/// JSON arguments, and calls it under the version's gate — counted in flight, drained and timed out like a routed call.
/// </summary>
internal sealed class PluginInvoker(PluginRegistry registry) : IPluginInvoker
{
    public async Task<JsonElement> InvokeAsync(string pluginId, string method, JsonElement arguments, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        var instance = EnterActive(pluginId);
        var (target, info) = Resolve(instance, method);
        if (CallByName.IsAsyncEnumerable(info.ReturnType, out _))
        {
            // Collecting a stream into one answer would hold all of it in memory, however long it is.
            instance.Gate.Exit();
            throw new PluginInvocationArgumentException(
                $"{info.Name} of plugin '{instance.Id}' {instance.Version} is a stream method: call it with InvokeStreamAsync, which hands over each item as the plugin produces it.",
                instance.Id,
                instance.Version);
        }

        return await InvokeUnaryAsync(instance, target, info, arguments, cancellationToken).ConfigureAwait(false);
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
        var (target, info) = Resolve(instance, method);
        if (!CallByName.IsAsyncEnumerable(info.ReturnType, out var itemType))
        {
            yield return await InvokeUnaryAsync(instance, target, info, arguments, token).ConfigureAwait(false);
            yield break;
        }

        // From here the call owns the gate entry, and gives it back when it is disposed.
        var call = StreamCall.Create(itemType!, instance.Gate, info, instance.JsonOptions, token);
        try
        {
            var values = CallByName.BindArguments(instance, info, arguments, call.PluginToken);
            call.Open(CallByName.Call(target, info, values, instance.Gate, call.PluginToken));
            while (await call.MoveNextAsync().ConfigureAwait(false))
            {
                yield return call.Current;
            }
        }
        finally
        {
            await call.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Calls a method that is not a stream and awaits it under the call timeout. Exits the gate entry the caller holds.</summary>
    private static async Task<JsonElement> InvokeUnaryAsync(PluginInstance instance, object target, MethodInfo info, JsonElement arguments, CancellationToken cancellationToken)
    {
        var gate = instance.Gate;
        var exitHere = true;
        try
        {
            var values = CallByName.BindArguments(instance, info, arguments, cancellationToken);
            var returned = CallByName.Call(target, info, values, gate, cancellationToken);
            var result = await CallByName.AwaitResultAsync(returned, info, gate, cancellationToken, () => exitHere = false).ConfigureAwait(false);
            var resultType = CallByName.UnwrapResultType(info.ReturnType);
            return resultType is null
                ? JsonSerializer.SerializeToElement<object?>(null, instance.JsonOptions)
                : JsonSerializer.SerializeToElement(result, result?.GetType() ?? resultType, instance.JsonOptions);
        }
        finally
        {
            if (exitHere)
            {
                gate.Exit();
            }
        }
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

    /// <summary>Finds the method; on failure exits the call entered on <paramref name="instance"/>.</summary>
    private static (object Target, MethodInfo Method) Resolve(PluginInstance instance, string method)
    {
        try
        {
            return CallByName.FindMethod(instance, method);
        }
        catch
        {
            instance.Gate.Exit();
            throw;
        }
    }
}
