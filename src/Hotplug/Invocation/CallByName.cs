using System.Reflection;
using System.Text.Json;
using Hotplug.Hosting;
using Hotplug.Routing;

namespace Hotplug.Invocation;

/// <summary>
/// The reflection of a call by name: which method a name means among a version's contracts, its arguments from a
/// JSON object, and its result awaited under the version's gate.
/// </summary>
internal static class CallByName
{
    public static object? Call(object target, MethodInfo info, object?[] values, CallGate gate, CancellationToken cancellationToken)
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

    /// <summary>
    /// The contracts a call by name may reach: those the version serves, and those its manifest names that the
    /// host has the interface of. A process plugin's contracts are known by name only until a caller asks for
    /// one; asking here makes it callable by name as soon as the host has its contract assembly.
    /// </summary>
    private static Dictionary<Type, object> CallableContracts(PluginInstance instance)
    {
        var contracts = new Dictionary<Type, object>(instance.Contracts);
        var unknown = instance.Manifest.Contracts.Except(contracts.Keys.Select(PluginInstance.ContractName), StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            foreach (var type in ContractLookup.Find(unknown))
            {
                if (!contracts.ContainsKey(type) && instance.GetContract(type) is { } implementation && type.IsInstanceOfType(implementation))
                {
                    contracts[type] = implementation;
                }
            }
        }

        return contracts;
    }

    public static (object Target, MethodInfo Method) FindMethod(PluginInstance instance, string name)
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

    public static object?[] BindArguments(PluginInstance instance, MethodInfo method, JsonElement arguments, CancellationToken cancellationToken)
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
    public static async Task<object?> AwaitResultAsync(object? returned, MethodInfo method, CallGate gate, CancellationToken cancellationToken, Action handedOff)
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

    public static Type? UnwrapResultType(Type type)
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

    public static bool IsAsyncEnumerable(Type type, out Type? item)
    {
        var match = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>));
        item = match?.GetGenericArguments()[0];
        return match is not null;
    }
}
