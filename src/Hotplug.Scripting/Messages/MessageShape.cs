using System.Collections.Concurrent;
using System.Reflection;

namespace Hotplug.Scripting.Messages;

/// <summary>What a value of a message is to a script: how an engine turns a CLR value into its own and back.</summary>
public enum MessageKind
{
    /// <summary><see langword="bool"/>.</summary>
    Boolean,

    /// <summary>A whole number: <see langword="int"/>, <see langword="long"/>, <see langword="byte"/> and the like.</summary>
    Integer,

    /// <summary>A number with a fraction: <see langword="double"/>, <see langword="float"/>, <see langword="decimal"/>.</summary>
    Number,

    /// <summary>Text: <see langword="string"/>, <see langword="char"/>, and values scripts see as text (<see cref="Guid"/>, dates, times, enums).</summary>
    String,

    /// <summary>A sequence: arrays, lists, sets and other enumerables of one item type.</summary>
    List,

    /// <summary>A dictionary with text keys.</summary>
    Map,

    /// <summary>A message: its public properties are its fields.</summary>
    Object,
}

/// <summary>
/// The shape of a message type as scripts see it, made once per type: its kind, its fields with compiled getters and
/// how to construct it, the item shape of a list or map. Engines walk it to turn a CLR value into a Lua table or a
/// JavaScript object and back, with no reflection per call.
/// </summary>
public sealed partial class MessageShape
{
    private static readonly ConcurrentDictionary<Type, MessageShape> Shapes = new();

    private MessageShape(Type type, MessageKind kind)
    {
        Type = type;
        Kind = kind;
    }

    /// <summary>Gets the CLR type (for <see cref="Nullable{T}"/>, the underlying type; see <see cref="IsNullableValue"/>).</summary>
    public Type Type { get; }

    /// <summary>Gets what the value is to a script.</summary>
    public MessageKind Kind { get; }

    /// <summary>Gets whether the type is a <see cref="Nullable{T}"/> of <see cref="Type"/>.</summary>
    public bool IsNullableValue { get; private set; }

    /// <summary>Gets whether a value of the type may be <see langword="null"/> in CLR terms (a reference type or a nullable value).</summary>
    public bool AllowsNull => IsNullableValue || !Type.IsValueType;

    /// <summary>Gets the shape of a list's items or a map's values; <see langword="null"/> for other kinds.</summary>
    public MessageShape? Item { get; private set; }

    /// <summary>Gets a message's fields, in declaration order; empty for other kinds.</summary>
    public IReadOnlyList<MessageField> Fields { get; private set; } = [];

    /// <summary>Gets a short description of the kind for error messages: "a number", "a list", "a message EchoReply".</summary>
    public string Description { get; private set; } = string.Empty;

    /// <summary>Returns the shape of <paramref name="type"/>, made once.</summary>
    /// <param name="type">A message type, or any type a contract's operation takes or returns.</param>
    /// <returns>The shape.</returns>
    /// <exception cref="NotSupportedException">The type cannot be a script message (a delegate, a pointer, an open generic).</exception>
    public static MessageShape For(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (Shapes.TryGetValue(type, out var known))
        {
            return known;
        }

        // Made under a lock so recursive message types (a tree node with child nodes) resolve to one shape each.
        lock (Shapes)
        {
            return Shapes.TryGetValue(type, out known) ? known : Make(type);
        }
    }

    /// <summary>Finds a field by its script name.</summary>
    /// <param name="name">The field's name in lower camel case.</param>
    /// <returns>The field, or <see langword="null"/>.</returns>
    public MessageField? Field(string name)
    {
        foreach (var field in Fields)
        {
            if (string.Equals(field.Name, name, StringComparison.Ordinal))
            {
                return field;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Description;

    private static MessageShape Make(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            var inner = For(underlying);
            var nullable = new MessageShape(inner.Type, inner.Kind)
            {
                IsNullableValue = true,
                Item = inner.Item,
                Fields = inner.Fields,
                Description = inner.Description,
                _scalar = inner._scalar,
                _construct = inner._construct,
                _list = inner._list,
                _map = inner._map,
            };
            Shapes[type] = nullable;
            return nullable;
        }

        if (type.IsPointer || type.IsByRef || type.ContainsGenericParameters || typeof(Delegate).IsAssignableFrom(type))
        {
            throw new NotSupportedException($"{type} cannot be a message a script sends or receives.");
        }

        if (Scalars.TryCreate(type) is { } scalar)
        {
            var shape = new MessageShape(type, scalar.Kind) { _scalar = scalar, Description = scalar.Description };
            Shapes[type] = shape;
            return shape;
        }

        if (Collections.MapValueType(type) is { } valueType)
        {
            var shape = new MessageShape(type, MessageKind.Map) { Description = "a map" };
            Shapes[type] = shape;
            shape.Item = For(valueType);
            shape._map = Collections.MapFactory(type, valueType);
            return shape;
        }

        if (Collections.ListItemType(type) is { } itemType)
        {
            var shape = new MessageShape(type, MessageKind.List) { Description = "a list" };
            Shapes[type] = shape;
            shape.Item = For(itemType);
            shape._list = Collections.ListFactory(type, itemType);
            return shape;
        }

        var message = new MessageShape(type, MessageKind.Object) { Description = $"a {type.Name} message" };
        Shapes[type] = message;
        var (fields, construct) = Messages.Describe(type);
        message.Fields = fields;
        message._construct = construct;
        return message;
    }
}

/// <summary>One field of a message: its script name, its shape, how to read it from a message.</summary>
public sealed class MessageField
{
    private readonly Func<object, object?> _get;

    internal MessageField(PropertyInfo property, int index, bool nullable, Func<object, object?> get)
    {
        Property = property;
        Index = index;
        Name = ScriptNames.LowerCamel(property.Name);
        Utf8Name = System.Text.Encoding.UTF8.GetBytes(Name + "\0");
        AllowsNull = nullable;
        _get = get;
    }

    /// <summary>Gets the property.</summary>
    public PropertyInfo Property { get; }

    /// <summary>Gets the field's place among <see cref="MessageShape.Fields"/>, and in the values <see cref="MessageShape.Create"/> takes.</summary>
    public int Index { get; }

    /// <summary>Gets the field's name in lower camel case, as scripts see it.</summary>
    public string Name { get; }

    /// <summary>Gets the name as UTF-8, ended by a zero byte, for engines that pass names to C.</summary>
    public ReadOnlyMemory<byte> Utf8Name { get; }

    /// <summary>Gets the field's shape.</summary>
    public MessageShape Shape => MessageShape.For(Property.PropertyType);

    /// <summary>Gets whether the field may be left out or <see langword="null"/> (a nullable annotation or a nullable value type).</summary>
    public bool AllowsNull { get; }

    /// <summary>Reads the field from a message.</summary>
    /// <param name="message">A message of the field's type.</param>
    /// <returns>The value.</returns>
    public object? Get(object message) => _get(message);

    /// <inheritdoc />
    public override string ToString() => Name;
}
