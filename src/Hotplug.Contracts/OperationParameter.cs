using System.Reflection;

namespace Hotplug.Contracts;

/// <summary>A value an operation is called with: one parameter of its method, other than the cancellation token.</summary>
public sealed class OperationParameter
{
    internal OperationParameter(ParameterInfo parameter, int index, Type type, NullabilityState nullability, Type? itemType, NullabilityState itemNullability)
    {
        Info = parameter;
        Index = index;
        Name = parameter.Name ?? "arg" + parameter.Position.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Position = parameter.Position;
        Type = type;
        Nullability = nullability;
        ItemType = itemType;
        ItemNullability = itemNullability;
    }

    /// <summary>Gets the parameter as reflection sees it.</summary>
    public ParameterInfo Info { get; }

    /// <summary>Gets the parameter's place among the operation's values (<see cref="OperationDescriptor.Parameters"/>).</summary>
    public int Index { get; }

    /// <summary>Gets the parameter's name, as callers by name give it.</summary>
    public string Name { get; }

    /// <summary>Gets the parameter's place in the method's signature (the cancellation token counted).</summary>
    public int Position { get; }

    /// <summary>Gets the parameter's type (of an <see langword="in"/> parameter, the type it refers to).</summary>
    public Type Type { get; }

    /// <summary>Gets whether the parameter may be <see langword="null"/>, as the contract's nullable annotations say.</summary>
    public NullabilityState Nullability { get; }

    /// <summary>Gets whether the parameter is a stream of items sent to the implementation (an <see cref="IAsyncEnumerable{T}"/>).</summary>
    public bool IsStream => ItemType is not null;

    /// <summary>Gets the item type of a stream parameter, or <see langword="null"/>.</summary>
    public Type? ItemType { get; }

    /// <summary>Gets whether a stream parameter's items may be <see langword="null"/>.</summary>
    public NullabilityState ItemNullability { get; }

    /// <summary>Gets whether the parameter has a default value, used when a caller by name leaves it out.</summary>
    public bool HasDefaultValue => Info.HasDefaultValue;

    /// <summary>Gets the parameter's default value.</summary>
    public object? DefaultValue => Info.HasDefaultValue ? Info.DefaultValue : null;

    /// <inheritdoc />
    public override string ToString() => Name;
}
