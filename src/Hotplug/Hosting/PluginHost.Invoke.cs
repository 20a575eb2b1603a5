using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Hotplug.Routing;

namespace Hotplug.Hosting;

internal sealed partial class PluginHost
{
    public async Task<JsonElement> InvokeAsync(string pluginId, string method, JsonElement arguments, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        var instance = EnterActive(pluginId);
        var (target, info) = Resolve(instance, method);
        if (IsAsyncEnumerable(info.ReturnType, out _))
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
        if (!IsAsyncEnumerable(info.ReturnType, out var itemType))
        {
            yield return await InvokeUnaryAsync(instance, target, info, arguments, token).ConfigureAwait(false);
            yield break;
        }

        // From here the call owns the gate entry, and gives it back when it is disposed.
        var call = StreamCall.Create(itemType!, instance.Gate, info, instance.JsonOptions, token);
        try
        {
            var values = BindArguments(instance, info, arguments, call.PluginToken);
            call.Open(Call(target, info, values, instance.Gate, call.PluginToken));
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
            var values = BindArguments(instance, info, arguments, cancellationToken);
            var returned = Call(target, info, values, gate, cancellationToken);
            var result = await AwaitResultAsync(returned, info, gate, cancellationToken, () => exitHere = false).ConfigureAwait(false);
            var resultType = UnwrapResultType(info.ReturnType);
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

    private static object? Call(object target, MethodInfo info, object?[] values, CallGate gate, CancellationToken cancellationToken)
    {
        try
        {
            return info.Invoke(target, BindingFlags.DoNotWrapExceptions, binder: null, values, culture: null);
        }
        catch (Exception ex)
        {
            throw gate.Fault(ex, info.Name, cancellationToken);
        }
    }

    /// <summary>Enters a call on the plugin's active version.</summary>
    private PluginInstance EnterActive(string pluginId)
    {
        if (!_entries.TryGetValue(pluginId, out var entry))
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
    private (object Target, MethodInfo Method) Resolve(PluginInstance instance, string method)
    {
        try
        {
            return FindMethod(instance, method);
        }
        catch
        {
            instance.Gate.Exit();
            throw;
        }
    }

    /// <summary>
    /// The contracts a call by name may reach: those the version serves, and those its manifest names that the
    /// host has the interface of. A process plugin's contracts are known by name only until a caller asks for
    /// one; asking here makes it callable by name as soon as the host has its contract assembly.
    /// </summary>
    private Dictionary<Type, object> CallableContracts(PluginInstance instance)
    {
        var contracts = new Dictionary<Type, object>(instance.Contracts);
        var unknown = instance.Manifest.Contracts.Except(contracts.Keys.Select(PluginInstance.ContractName), StringComparer.Ordinal).ToList();
        if (unknown.Count > 0 && _shared is { } shared)
        {
            foreach (var type in shared.FindContracts(unknown))
            {
                if (!contracts.ContainsKey(type) && instance.GetContract(type) is { } implementation && type.IsInstanceOfType(implementation))
                {
                    contracts[type] = implementation;
                }
            }
        }

        return contracts;
    }

    private (object Target, MethodInfo Method) FindMethod(PluginInstance instance, string name)
    {
        var candidates = CallableContracts(instance)
            .SelectMany(c => c.Key.GetMethods().Concat(c.Key.GetInterfaces().SelectMany(i => i.GetMethods())).Select(m => (Target: c.Value, Method: m)))
            .Where(c => !c.Method.IsSpecialName && !c.Method.IsGenericMethodDefinition)
            .ToList();
        var matches = candidates.Where(c => string.Equals(c.Method.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 0)
        {
            matches = [.. candidates.Where(c => string.Equals(c.Method.Name, name + "Async", StringComparison.OrdinalIgnoreCase))];
        }

        if (matches.Count == 0)
        {
            var known = candidates.Select(c => c.Method.Name).Distinct().Order(StringComparer.Ordinal);
            throw new PluginInvocationArgumentException(
                $"Plugin '{instance.Id}' {instance.Version} has no method '{name}'. Its contracts have: {string.Join(", ", known)}.",
                instance.Id,
                instance.Version);
        }

        if (matches.Select(m => m.Method.ToString()).Distinct().Count() > 1)
        {
            throw new PluginInvocationArgumentException(
                $"Method '{name}' of plugin '{instance.Id}' is overloaded ({string.Join("; ", matches.Select(m => m.Method.ToString()))}); calls by name need a unique method name.",
                instance.Id,
                instance.Version);
        }

        return matches[0];
    }

    private static object?[] BindArguments(PluginInstance instance, MethodInfo method, JsonElement arguments, CancellationToken cancellationToken)
    {
        if (arguments.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined or JsonValueKind.Null))
        {
            throw new PluginInvocationArgumentException(
                $"Arguments of {method.Name} must be a JSON object of parameters by name, not {arguments.ValueKind}.",
                instance.Id,
                instance.Version);
        }

        var given = arguments.ValueKind == JsonValueKind.Object
            ? arguments.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        var parameters = method.GetParameters();
        var values = new object?[parameters.Length];
        var names = parameters.Where(p => p.ParameterType != typeof(CancellationToken)).Select(p => p.Name!).ToList();
        var unknown = given.Keys.Where(k => !names.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            throw new PluginInvocationArgumentException(
                $"{method.Name} has no parameter {string.Join(", ", unknown.Select(u => $"'{u}'"))}; its parameters are: {string.Join(", ", names)}.",
                instance.Id,
                instance.Version);
        }

        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            if (parameter.ParameterType == typeof(CancellationToken))
            {
                values[i] = cancellationToken;
            }
            else if (given.TryGetValue(parameter.Name!, out var value))
            {
                try
                {
                    values[i] = value.Deserialize(parameter.ParameterType, instance.JsonOptions);
                }
                catch (Exception ex) when (ex is JsonException or NotSupportedException)
                {
                    throw new PluginInvocationArgumentException(
                        $"Argument '{parameter.Name}' of {method.Name} is not a valid {parameter.ParameterType.Name}: {ex.Message}",
                        instance.Id,
                        instance.Version);
                }
            }
            else if (parameter.HasDefaultValue)
            {
                values[i] = parameter.DefaultValue;
            }
            else
            {
                throw new PluginInvocationArgumentException(
                    $"Argument '{parameter.Name}' of {method.Name} is missing; its parameters are: {string.Join(", ", names)}.",
                    instance.Id,
                    instance.Version);
            }
        }

        return values;
    }

    /// <summary>Awaits whatever the method returned under the plugin's call timeout, exiting the gate when it completes.</summary>
    private static async Task<object?> AwaitResultAsync(object? returned, MethodInfo method, CallGate gate, CancellationToken cancellationToken, Action handedOff)
    {
        Task? task = returned switch
        {
            Task t => t,
            ValueTask vt => vt.AsTask(),
            _ when returned is not null && method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(ValueTask<>) =>
                (Task)method.ReturnType.GetMethod(nameof(ValueTask<int>.AsTask))!.Invoke(returned, null)!,
            _ => null,
        };

        if (task is null)
        {
            return returned;
        }

        // From here the gate is exited when the plugin's task really completes (see RouterHelpers.AwaitCore).
        handedOff();
        await RouterHelpers.AwaitCore(task, gate, method.Name, cancellationToken).ConfigureAwait(false);
        var resultProperty = task.GetType().GetProperty(nameof(Task<int>.Result));
        return method.ReturnType.IsGenericType ? resultProperty?.GetValue(task) : null;
    }

    private static Type? UnwrapResultType(Type type)
    {
        if (type == typeof(void) || type == typeof(Task) || type == typeof(ValueTask))
        {
            return null;
        }

        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return type.GetGenericArguments()[0];
        }

        return type;
    }

    private static bool IsAsyncEnumerable(Type type, out Type? item)
    {
        var match = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>));
        item = match?.GetGenericArguments()[0];
        return match is not null;
    }
}
