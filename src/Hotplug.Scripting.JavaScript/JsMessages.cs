using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using Hotplug.Scripting.Messages;
using Jint;
using Jint.Native;

namespace Hotplug.Scripting.JavaScript;

/// <summary>
/// Turns CLR values of a message shape into JavaScript values: a message is an object with its fields in lower camel
/// case, a list an array, a map an object keyed by text, a scalar a boolean, number or string.
/// </summary>
/// <remarks>
/// A message's object is built from a <see cref="JsObjectLayout"/> made once per shape, so every object of one
/// message type in an engine shares one hidden class and a script's property reads stay monomorphic. 64-bit integers
/// become numbers: exact up to 2^53, the nearest double beyond.
/// </remarks>
internal static class JsMessages
{
    private static readonly ConcurrentDictionary<MessageShape, JsObjectLayout> Layouts = new();

    public static JsValue ToJs(Engine engine, object? value, MessageShape shape)
    {
        if (value is null)
        {
            return JsValue.Null;
        }

        switch (shape.Kind)
        {
            case MessageKind.Object:
                return Message(engine, value, shape);
            case MessageKind.List:
                return List(engine, value, shape.Item!);
            case MessageKind.Map:
                return Map(engine, value, shape.Item!);
            default:
                return Scalar(value, shape);
        }
    }

    /// <summary>A plain value (null, bool, long, double, string, a list or a dictionary of them) as JavaScript; dictionaries and lists are frozen when <paramref name="freeze"/>.</summary>
    public static JsValue FromPlain(Engine engine, object? value, bool freeze = false)
    {
        JsValue result = value switch
        {
            null => JsValue.Null,
            bool b => b ? JsBoolean.True : JsBoolean.False,
            long l => JsNumber.Create(l),
            int i => JsNumber.Create(i),
            double d => JsNumber.Create(d),
            string s => JsString.Create(s),
            IReadOnlyDictionary<string, object?> map => PlainMap(engine, map, freeze),
            IReadOnlyList<object?> list => new JsArray(engine, [.. list.Select(v => FromPlain(engine, v, freeze))]),
            _ => JsString.Create(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
        };
        if (freeze && result is JsArray array)
        {
            Freeze(engine, array);
        }

        return result;
    }

    /// <summary>Freezes an object with the realm's own <c>Object.freeze</c>.</summary>
    public static void Freeze(Engine engine, JsValue value) =>
        engine.Invoke(engine.Intrinsics.Object.Get("freeze"), JsValue.Undefined, [value]);

    private static JsValue Message(Engine engine, object message, MessageShape shape)
    {
        var fields = shape.Fields;
        if (fields.Count == 0)
        {
            return new JsObject(engine);
        }

        var layout = Layouts.GetOrAdd(shape, static s => new JsObjectLayout([.. s.Fields.Select(f => f.Name)]));
        var values = new JsValue[fields.Count];
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            values[i] = ToJs(engine, field.Get(message), field.Shape);
        }

        return JsObject.Create(engine, layout, values);
    }

    private static JsArray List(Engine engine, object list, MessageShape item)
    {
        if (list is IList { Count: var count } indexed)
        {
            var items = new JsValue[count];
            for (var i = 0; i < count; i++)
            {
                items[i] = ToJs(engine, indexed[i], item);
            }

            return new JsArray(engine, items);
        }

        var values = new List<JsValue>();
        foreach (var value in MessageShape.Items(list))
        {
            values.Add(ToJs(engine, value, item));
        }

        return new JsArray(engine, [.. values]);
    }

    private static JsObject Map(Engine engine, object map, MessageShape item)
    {
        var result = new JsObject(engine);
        foreach (var (key, value) in MessageShape.Entries(map))
        {
            result.Set(key, ToJs(engine, value, item));
        }

        return result;
    }

    private static JsValue Scalar(object value, MessageShape shape) => shape.Scalar switch
    {
        ScalarType.Boolean => (bool)value ? JsBoolean.True : JsBoolean.False,
        ScalarType.Int32 => JsNumber.Create((int)value),
        ScalarType.Int64 => JsNumber.Create((long)value),
        ScalarType.Double => JsNumber.Create((double)value),
        ScalarType.String => JsString.Create((string)value),
        _ => shape.ToScript(value) switch
        {
            bool b => b ? JsBoolean.True : JsBoolean.False,
            long l => JsNumber.Create(l),
            double d => JsNumber.Create(d),
            var other => JsString.Create((string)other),
        },
    };

    private static JsObject PlainMap(Engine engine, IReadOnlyDictionary<string, object?> map, bool freeze)
    {
        var result = new JsObject(engine);
        foreach (var (key, value) in map)
        {
            result.Set(key, FromPlain(engine, value, freeze));
        }

        if (freeze)
        {
            Freeze(engine, result);
        }

        return result;
    }
}
