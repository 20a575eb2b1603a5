using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Hotplug.Wire;

/// <summary>Which .NET collections travel as repeated fields and maps, and how they are rebuilt on arrival.</summary>
internal static class Collections
{
    private static readonly HashSet<Type> Sequences =
    [
        typeof(List<>), typeof(IList<>), typeof(ICollection<>), typeof(IEnumerable<>), typeof(IReadOnlyList<>),
        typeof(IReadOnlyCollection<>), typeof(HashSet<>), typeof(ISet<>), typeof(IReadOnlySet<>),
    ];

    private static readonly HashSet<Type> Sets = [typeof(HashSet<>), typeof(ISet<>), typeof(IReadOnlySet<>)];

    private static readonly HashSet<Type> Maps = [typeof(Dictionary<,>), typeof(IDictionary<,>), typeof(IReadOnlyDictionary<,>)];

    public static bool IsSequence(Type type, out Type element)
    {
        if (type.IsArray && type.GetArrayRank() == 1 && type != typeof(byte[]))
        {
            element = type.GetElementType()!;
            return true;
        }

        if (type.IsGenericType && Sequences.Contains(type.GetGenericTypeDefinition()))
        {
            element = type.GetGenericArguments()[0];
            return true;
        }

        element = null!;
        return false;
    }

    public static bool IsMap(Type type, out Type key, out Type value)
    {
        if (type.IsGenericType && Maps.Contains(type.GetGenericTypeDefinition()))
        {
            var args = type.GetGenericArguments();
            (key, value) = (args[0], args[1]);
            return true;
        }

        key = value = null!;
        return false;
    }

    /// <summary>Whether the type is a collection the wire does not carry (so the error can say what to use instead).</summary>
    public static bool IsOtherCollection(Type type) =>
        type != typeof(string) && type != typeof(byte[]) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type);

    public static Func<List<object?>, object> SequenceFactory(Type type, Type element)
    {
        var name = type.IsArray ? nameof(ToArray) : Sets.Contains(type.GetGenericTypeDefinition()) ? nameof(ToSet) : nameof(ToList);
        return Helper<Func<List<object?>, object>>(name, element);
    }

    public static Func<List<object?>, object> MapFactory(Type key, Type value) => Helper<Func<List<object?>, object>>(nameof(ToDictionary), key, value);

    public static Func<object, IEnumerable<KeyValuePair<object, object?>>> MapEntries(Type key, Type value) =>
        Helper<Func<object, IEnumerable<KeyValuePair<object, object?>>>>(nameof(Entries), key, value);

    // The schema is built by reflection over the contract's own types, and its entry points say so
    // (RequiresDynamicCode on ContractSchema.For and the client and server factories).
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reached only through entry points that require dynamic code.")]
    [UnconditionalSuppressMessage("Trimming", "IL2060", Justification = "Reached only through entry points that require unreferenced code.")]
    private static TDelegate Helper<TDelegate>(string name, params Type[] types)
        where TDelegate : Delegate =>
        typeof(Collections).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(types).CreateDelegate<TDelegate>();

    private static object ToArray<T>(List<object?> items)
    {
        var array = new T[items.Count];
        for (var i = 0; i < array.Length; i++)
        {
            array[i] = (T)items[i]!;
        }

        return array;
    }

    private static object ToList<T>(List<object?> items)
    {
        var list = new List<T>(items.Count);
        foreach (var item in items)
        {
            list.Add((T)item!);
        }

        return list;
    }

    private static object ToSet<T>(List<object?> items)
    {
        var set = new HashSet<T>();
        foreach (var item in items)
        {
            set.Add((T)item!);
        }

        return set;
    }

    private static object ToDictionary<TKey, TValue>(List<object?> items)
        where TKey : notnull
    {
        var map = new Dictionary<TKey, TValue>(items.Count);
        foreach (var item in items)
        {
            var (key, value) = (KeyValuePair<object, object?>)item!;
            map[(TKey)key] = (TValue)value!;
        }

        return map;
    }

    private static IEnumerable<KeyValuePair<object, object?>> Entries<TKey, TValue>(object map)
    {
        foreach (var pair in (IEnumerable<KeyValuePair<TKey, TValue>>)map)
        {
            yield return new KeyValuePair<object, object?>(pair.Key!, pair.Value);
        }
    }
}
