using System.Linq.Expressions;
using System.Reflection;

namespace Hotplug.Scripting.Messages;

/// <summary>A message type's fields and constructor, compiled once.</summary>
internal static class Messages
{
    public static (IReadOnlyList<MessageField> Fields, Func<object?[], object> Construct) Describe(Type type)
    {
        var nullability = new NullabilityInfoContext();
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.GetMethod!.IsPublic)
            .OrderBy(p => p.MetadataToken)
            .ToArray();
        var fields = new MessageField[properties.Length];
        for (var i = 0; i < properties.Length; i++)
        {
            var property = properties[i];
            var nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null ||
                (!property.PropertyType.IsValueType && nullability.Create(property).ReadState != NullabilityState.NotNull);
            fields[i] = new MessageField(property, i, nullable, Getter(property));
        }

        return (fields, Constructor(type, properties));
    }

    private static Func<object, object?> Getter(PropertyInfo property)
    {
        var message = Expression.Parameter(typeof(object), "message");
        var read = Expression.Property(Expression.Convert(message, property.DeclaringType!), property);
        return Expression.Lambda<Func<object, object?>>(Expression.Convert(read, typeof(object)), message).Compile();
    }

    /// <summary>
    /// A constructor whose parameters are all fields (a record's primary constructor), the longest such; the fields it
    /// does not take are set through their setters (init ones included). A type with neither cannot be received.
    /// </summary>
    private static Func<object?[], object> Constructor(Type type, PropertyInfo[] properties)
    {
        var index = properties.Select((p, i) => (p, i)).ToDictionary(x => x.p.Name, x => x.i, StringComparer.OrdinalIgnoreCase);
        var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
            .Where(c => c.GetParameters().All(p => p.Name is { } n && index.TryGetValue(n, out var i) && properties[i].PropertyType == p.ParameterType))
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault();
        if (constructor is null && !type.IsValueType)
        {
            return _ => throw new NotSupportedException($"{type} cannot be built from a script's value: give it a public constructor whose parameters are its properties, or a parameterless one.");
        }

        var values = Expression.Parameter(typeof(object?[]), "values");
        Expression Value(int i, Type target)
        {
            var item = Expression.ArrayIndex(values, Expression.Constant(i));
            return Expression.Condition(Expression.Equal(item, Expression.Constant(null)), Expression.Default(target), Expression.Convert(item, target));
        }

        var parameters = constructor?.GetParameters() ?? [];
        var taken = parameters.Select(p => index[p.Name!]).ToHashSet();
        var create = constructor is null
            ? (Expression)Expression.New(type)
            : Expression.New(constructor, parameters.Select(p => Value(index[p.Name!], p.ParameterType)));
        var bindings = properties
            .Select((p, i) => (p, i))
            .Where(x => !taken.Contains(x.i) && x.p.SetMethod is { IsPublic: true })
            .Select(x => (MemberBinding)Expression.Bind(x.p, Value(x.i, x.p.PropertyType)));
        var body = Expression.Convert(Expression.MemberInit((NewExpression)create, bindings), typeof(object));
        return Expression.Lambda<Func<object?[], object>>(body, values).Compile();
    }
}
