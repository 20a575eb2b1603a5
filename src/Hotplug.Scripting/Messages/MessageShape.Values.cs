using System.Collections;

namespace Hotplug.Scripting.Messages;

/// <summary>The conversions of a shape: scalars to and from what scripts hold, lists, maps and messages built from values.</summary>
public sealed partial class MessageShape
{
    private Scalar? _scalar;
    private Func<object?[], object>? _construct;
    private Func<IReadOnlyList<object?>, object>? _list;
    private Func<IReadOnlyList<KeyValuePair<string, object?>>, object>? _map;

    /// <summary>Gets how a scalar is held, so engines can take the common ones without a conversion; <see cref="ScalarType.None"/> for lists, maps and messages.</summary>
    public ScalarType Scalar => _scalar?.Type ?? ScalarType.None;

    /// <summary>
    /// Turns a CLR scalar of this shape into what a script holds: a <see cref="bool"/>, a <see cref="long"/>, a
    /// <see cref="double"/> or a <see cref="string"/> (a <see cref="Guid"/>, a date or an enum as text).
    /// </summary>
    /// <param name="value">A value of <see cref="Type"/>, not null.</param>
    /// <returns>The script's value.</returns>
    public object ToScript(object value) => _scalar is { } s ? s.ToScript(value) : throw new InvalidOperationException($"{Description} is not a scalar.");

    /// <summary>Turns what a script holds (a <see cref="bool"/>, <see cref="long"/>, <see cref="double"/> or <see cref="string"/>) into a value of this shape.</summary>
    /// <param name="value">The script's value, not null.</param>
    /// <param name="error">Why the value does not fit, such as "expected a whole number, got 1.5".</param>
    /// <returns>The CLR value, or <see langword="null"/> with <paramref name="error"/> set.</returns>
    public object? FromScript(object value, out string? error)
    {
        if (_scalar is null)
        {
            error = $"expected {Description}, got {Describe(value)}";
            return null;
        }

        return _scalar.FromScript(value, out error);
    }

    /// <summary>Builds a message from its field values, in the order of <see cref="Fields"/>; a missing value is <see langword="null"/> (its type's default).</summary>
    /// <param name="values">One value per field.</param>
    /// <returns>The message.</returns>
    public object Create(object?[] values) => _construct is { } c ? c(values) : throw new InvalidOperationException($"{Description} is not a message.");

    /// <summary>Builds a list of this shape (an array, a <see cref="List{T}"/>, a set...) from its items.</summary>
    /// <param name="items">The items, each of <see cref="Item"/>'s type.</param>
    /// <returns>The list.</returns>
    public object CreateList(IReadOnlyList<object?> items) => _list is { } l ? l(items) : throw new InvalidOperationException($"{Description} is not a list.");

    /// <summary>Builds a map of this shape from its entries.</summary>
    /// <param name="entries">The entries, each value of <see cref="Item"/>'s type.</param>
    /// <returns>The map.</returns>
    public object CreateMap(IReadOnlyList<KeyValuePair<string, object?>> entries) => _map is { } m ? m(entries) : throw new InvalidOperationException($"{Description} is not a map.");

    /// <summary>Returns a list's items.</summary>
    /// <param name="list">A list of this shape.</param>
    /// <returns>Its items, in order.</returns>
    public static IEnumerable Items(object list) => (IEnumerable)list;

    /// <summary>Returns a map's entries.</summary>
    /// <param name="map">A map of this shape (it implements <see cref="IDictionary"/> or enumerates key-value pairs).</param>
    /// <returns>Its entries.</returns>
    public static IEnumerable<KeyValuePair<string, object?>> Entries(object map) => Collections.Entries(map);

    /// <summary>Describes a script value for an error message: "a number", "text", "a table".</summary>
    /// <param name="value">A value an engine read, or <see langword="null"/>.</param>
    /// <returns>The description.</returns>
    public static string Describe(object? value) => value switch
    {
        null => "nothing (nil/null)",
        bool => "a boolean",
        long or int => "a whole number",
        double d => $"the number {d.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        string => "text",
        _ => "a " + value.GetType().Name,
    };
}

/// <summary>How a scalar is held, for engines' fast paths.</summary>
public enum ScalarType
{
    /// <summary>Not a scalar.</summary>
    None,

    /// <summary><see langword="bool"/>.</summary>
    Boolean,

    /// <summary><see langword="int"/>.</summary>
    Int32,

    /// <summary><see langword="long"/>.</summary>
    Int64,

    /// <summary><see langword="double"/>.</summary>
    Double,

    /// <summary><see langword="string"/>.</summary>
    String,

    /// <summary>Any other scalar: convert with <see cref="MessageShape.ToScript"/> and <see cref="MessageShape.FromScript"/>.</summary>
    Other,
}
