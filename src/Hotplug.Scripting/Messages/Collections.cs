using System.Collections;
using System.Collections.Immutable;
using System.Reflection;

namespace Hotplug.Scripting.Messages;

/// <summary>Lists and maps: which types are, and how to build one of a given type.</summary>
internal static class Collections
{
    public static Type? ListItemType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetArrayRank() == 1 ? type.GetElementType() : throw new NotSupportedException($"{type}: only one-dimensional arrays can be messages.");
        }

        return Enumerable(type);
    }

    public static Type? MapValueType(Type type)
    {
        foreach (var candidate in type.IsInterface ? type.GetInterfaces().Append(type) : type.GetInterfaces())
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>)))
            {
                var arguments = candidate.GetGenericArguments();
                return arguments[0] == typeof(string) ? arguments[1] : throw new NotSupportedException($"{type}: a map's keys must be text.");
            }
        }

        return null;
    }

    public static Func<IReadOnlyList<object?>, object> ListFactory(Type type, Type itemType)
    {
        var array = (Func<IReadOnlyList<object?>, Array>)(items =>
        {
            var result = Array.CreateInstance(itemType, items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                result.SetValue(items[i], i);
            }

            return result;
        });

        if (type.IsArray || type.IsAssignableFrom(itemType.MakeArrayType()))
        {
            return array;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>))
        {
            var create = typeof(ImmutableArray).GetMethods().Single(m => m.Name == nameof(ImmutableArray.Create) && m.GetParameters() is [{ ParameterType.IsArray: true }]).MakeGenericMethod(itemType);
            return items => create.Invoke(null, [array(items)])!;
        }

        // A concrete collection (List<T>, HashSet<T>) or an interface one implements: made from the array.
        var concrete = type.IsInterface ? typeof(List<>).MakeGenericType(itemType) : type;
        if (!type.IsAssignableFrom(concrete) && type.IsAssignableFrom(typeof(HashSet<>).MakeGenericType(itemType)))
        {
            concrete = typeof(HashSet<>).MakeGenericType(itemType);
        }

        var constructor = concrete.GetConstructor([typeof(IEnumerable<>).MakeGenericType(itemType)])
            ?? throw new NotSupportedException($"{type}: a list type must be an array, an interface of List<T> or HashSet<T>, or have a constructor that takes IEnumerable<T>.");
        return items => constructor.Invoke([array(items)]);
    }

    public static Func<IReadOnlyList<KeyValuePair<string, object?>>, object> MapFactory(Type type, Type valueType)
    {
        var concrete = type.IsInterface || type.IsAbstract ? typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType) : type;
        if (!type.IsAssignableFrom(concrete) || concrete.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new NotSupportedException($"{type}: a map type must be an interface Dictionary<string, T> implements, or have a parameterless constructor.");
        }

        return entries =>
        {
            var map = (IDictionary)Activator.CreateInstance(concrete)!;
            foreach (var (key, value) in entries)
            {
                map[key] = value;
            }

            return map;
        };
    }

    public static IEnumerable<KeyValuePair<string, object?>> Entries(object map)
    {
        if (map is IDictionary dictionary)
        {
            foreach (DictionaryEntry entry in dictionary)
            {
                yield return new KeyValuePair<string, object?>((string)entry.Key, entry.Value);
            }

            yield break;
        }

        foreach (var pair in (IEnumerable)map)
        {
            var type = pair!.GetType();
            yield return new KeyValuePair<string, object?>(
                (string)type.GetProperty("Key", BindingFlags.Public | BindingFlags.Instance)!.GetValue(pair)!,
                type.GetProperty("Value", BindingFlags.Public | BindingFlags.Instance)!.GetValue(pair));
        }
    }

    private static Type? Enumerable(Type type)
    {
        foreach (var candidate in type.IsInterface ? type.GetInterfaces().Append(type) : type.GetInterfaces())
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                return candidate.GetGenericArguments()[0];
            }
        }

        return null;
    }
}
