using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Hotplug.Contracts.Json;

/// <summary>
/// Call by name in JSON: turns a JSON object of named arguments into an operation's values, and its result or each
/// item of its stream into JSON, by the operation's descriptor.
/// </summary>
/// <remarks>
/// <para>
/// The <see cref="JsonSerializerOptions"/> belong to the caller, and should be one instance per plugin version:
/// System.Text.Json caches metadata per options instance, and a cache shared host-wide would keep the types of a
/// plugin in a collectible context, and so the context, alive after unload. The codec keeps nothing else.
/// </para>
/// <para>
/// Arguments are matched to parameters by name, ignoring case; the cancellation token is not one of them. A
/// parameter left out takes its default value, if it has one.
/// </para>
/// </remarks>
public sealed class JsonOperationCodec
{
    /// <summary>Creates the codec.</summary>
    /// <param name="options">The serializer settings (with a type info resolver), one instance per plugin version.</param>
    public JsonOperationCodec(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
    }

    /// <summary>Gets the serializer settings.</summary>
    public JsonSerializerOptions Options { get; }

    /// <summary>Reads an operation's values from a JSON object of arguments by name.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="arguments">The arguments: an object, or <c>null</c> or nothing for none.</param>
    /// <returns>The values, in the order of <see cref="OperationDescriptor.Parameters"/>.</returns>
    /// <exception cref="OperationArgumentException">The arguments are not an object, name a parameter the method does not have, leave one out that has no default, or do not fit its type; the message names it.</exception>
    public object?[] ReadArguments(OperationDescriptor operation, JsonElement arguments)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var method = operation.Method.Name;
        if (arguments.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined or JsonValueKind.Null))
        {
            throw new OperationArgumentException($"Arguments of {method} must be a JSON object of parameters by name, not {arguments.ValueKind}.");
        }

        var given = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        if (arguments.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in arguments.EnumerateObject())
            {
                if (!given.TryAdd(property.Name, property.Value))
                {
                    throw new OperationArgumentException($"Argument '{property.Name}' of {method} is given twice.");
                }
            }
        }

        var parameters = operation.Parameters;
        var names = parameters.Select(p => p.Name).ToList();
        var unknown = given.Keys.Where(k => !names.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            throw new OperationArgumentException($"{method} has no parameter {string.Join(", ", unknown.Select(u => $"'{u}'"))}; its parameters are: {string.Join(", ", names)}.");
        }

        var values = new object?[parameters.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var parameter = parameters[i];
            if (given.TryGetValue(parameter.Name, out var value))
            {
                try
                {
                    values[i] = JsonSerializer.Deserialize(value, TypeInfo(parameter.Type));
                }
                catch (Exception ex) when (ex is JsonException or NotSupportedException)
                {
                    throw new OperationArgumentException($"Argument '{parameter.Name}' of {method} is not a valid {parameter.Type.Name}: {ex.Message}", ex);
                }
            }
            else if (parameter.HasDefaultValue)
            {
                values[i] = parameter.DefaultValue;
            }
            else
            {
                throw new OperationArgumentException($"Argument '{parameter.Name}' of {method} is missing; its parameters are: {string.Join(", ", names)}.");
            }
        }

        return values;
    }

    /// <summary>Writes an operation's result as JSON: <c>null</c> for an operation without one.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="result">The result.</param>
    /// <returns>The JSON.</returns>
    public JsonElement WriteResult(OperationDescriptor operation, object? result)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.ResultType is null
            ? JsonSerializer.SerializeToElement(null, TypeInfo(typeof(object)))
            : JsonSerializer.SerializeToElement(result, TypeInfo(result?.GetType() ?? operation.ResultType));
    }

    /// <summary>Writes one item of an operation's stream as JSON.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="item">The item.</param>
    /// <returns>The JSON.</returns>
    public JsonElement WriteItem(OperationDescriptor operation, object? item)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return JsonSerializer.SerializeToElement(item, TypeInfo(item?.GetType() ?? operation.ResultType ?? typeof(object)));
    }

    /// <summary>Reads one item of the stream an operation takes.</summary>
    /// <param name="operation">The operation, which streams its input.</param>
    /// <param name="item">The item as JSON.</param>
    /// <returns>The item.</returns>
    /// <exception cref="OperationArgumentException">The item does not fit the stream's item type.</exception>
    public object? ReadItem(OperationDescriptor operation, JsonElement item)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var parameter = operation.StreamsInput
            ? operation.Parameters[0]
            : throw new ArgumentException($"{operation} does not take a stream.", nameof(operation));
        try
        {
            return JsonSerializer.Deserialize(item, TypeInfo(parameter.ItemType!));
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw new OperationArgumentException($"An item of '{parameter.Name}' of {operation.Method.Name} is not a valid {parameter.ItemType!.Name}: {ex.Message}", ex);
        }
    }

    private JsonTypeInfo TypeInfo(Type type) => Options.GetTypeInfo(type);
}
