using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using Hotplug.Scripting.Messages;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;

namespace Hotplug.Scripting.JavaScript;

/// <summary>
/// Reads a JavaScript value back into a CLR value of a message shape, refusing what does not fit with where it is
/// (<c>result.ids[3]</c>), and counting the value's size against the output limit as it goes.
/// </summary>
/// <remarks>
/// Fields are read with the object's own <c>[[Get]]</c>: a getter or a Proxy trap runs as script code, under the
/// call's deadline and memory limit, so a getter that loops forever is interrupted like any loop. The size counted is
/// close to the value's JSON: text its length plus two, a number or boolean eight, a field its name plus one. Nesting
/// deeper than <c>limits.depth</c> (a cyclic object read through a recursive message type) is refused as the depth
/// limit; a cyclic object otherwise runs into the output limit.
/// </remarks>
internal sealed class JsReader(long maxBytes, int maxDepth)
{
    private static readonly ConcurrentDictionary<MessageShape, JsString[]> Keys = new();
    private long _used;
    private string _function = string.Empty;

    /// <summary>Reads one value (a result, a stream item, a service argument).</summary>
    /// <exception cref="ScriptValueException">The value does not fit.</exception>
    /// <exception cref="ScriptLimitException">It is larger than the output limit or nests too deep.</exception>
    public object? Read(JsValue value, MessageShape shape, bool allowsNull, string function, string root)
    {
        _used = 0;
        _function = function;
        try
        {
            return Value(value, shape, allowsNull, 0);
        }
        catch (MisfitException misfit)
        {
            misfit.Path.Add(root);
            misfit.Path.Reverse();
            throw new ScriptValueException(function, string.Concat(misfit.Path), misfit.Message);
        }
    }

    /// <summary>Describes a JavaScript value for an error message.</summary>
    public static string Describe(JsValue value) => value switch
    {
        _ when value.IsNull() || value.IsUndefined() => "nothing (null/undefined)",
        JsBoolean => "a boolean",
        JsNumber n => double.IsInteger(n.AsNumber()) ? "a whole number" : $"the number {n.AsNumber().ToString(CultureInfo.InvariantCulture)}",
        JsString => "text",
        JsBigInt => "a BigInt",
        JsSymbol => "a symbol",
        _ when value.IsArray() => "an array",
        Jint.Native.Function.Function => "a function",
        _ => "an object",
    };

    private object? Value(JsValue value, MessageShape shape, bool allowsNull, int depth)
    {
        if (value.IsNull() || value.IsUndefined())
        {
            Charge(4);
            return allowsNull ? null : throw new MisfitException($"expected {shape.Description}, got nothing (null/undefined)");
        }

        switch (shape.Kind)
        {
            case MessageKind.Object:
                return Message(value, shape, Deeper(depth));
            case MessageKind.List:
                return List(value, shape, Deeper(depth));
            case MessageKind.Map:
                return Map(value, shape, Deeper(depth));
            default:
                return Scalar(value, shape);
        }
    }

    private object Message(JsValue value, MessageShape shape, int depth)
    {
        if (value is not ObjectInstance obj || value.IsArray() || value is Jint.Native.Function.Function)
        {
            throw new MisfitException($"expected {shape.Description}, got {Describe(value)}");
        }

        var fields = shape.Fields;
        var keys = Keys.GetOrAdd(shape, static s => [.. s.Fields.Select(f => JsString.Create(f.Name))]);
        var values = new object?[fields.Count];
        Charge(2);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            Charge(field.Name.Length + 1);
            try
            {
                values[i] = Value(obj.Get(keys[i]), field.Shape, field.AllowsNull, depth);
            }
            catch (MisfitException misfit)
            {
                misfit.Path.Add("." + field.Name);
                throw;
            }
        }

        return shape.Create(values);
    }

    private object List(JsValue value, MessageShape shape, int depth)
    {
        if (value is not ObjectInstance obj || !value.IsArray())
        {
            throw new MisfitException($"expected a list (an array), got {Describe(value)}");
        }

        var length = (long)TypeConverter.ToLength(obj.Get(CommonProperties.Length));
        Charge(2 + length);
        var items = new object?[length];
        var item = shape.Item!;
        for (var i = 0; i < length; i++)
        {
            try
            {
                items[i] = Value(obj.Get(JsNumber.Create(i)), item, item.AllowsNull, depth);
            }
            catch (MisfitException misfit)
            {
                misfit.Path.Add($"[{i}]");
                throw;
            }
        }

        return shape.CreateList(items);
    }

    private object Map(JsValue value, MessageShape shape, int depth)
    {
        if (value is not ObjectInstance obj || value.IsArray() || value is Jint.Native.Function.Function)
        {
            throw new MisfitException($"expected a map (an object keyed by text), got {Describe(value)}");
        }

        var entries = new List<KeyValuePair<string, object?>>();
        var item = shape.Item!;
        Charge(2);
        foreach (var key in obj.GetOwnPropertyKeys(Types.String))
        {
            if (obj.GetOwnProperty(key) is not { Enumerable: true })
            {
                continue;
            }

            var name = key.ToString();
            Charge(name.Length + 3);
            try
            {
                entries.Add(new(name, Value(obj.Get(key), item, item.AllowsNull, depth)));
            }
            catch (MisfitException misfit)
            {
                misfit.Path.Add($"[\"{name}\"]");
                throw;
            }
        }

        return shape.CreateMap(entries);
    }

    private object Scalar(JsValue value, MessageShape shape)
    {
        object plain;
        switch (value)
        {
            case JsString s:
                var text = s.ToString();
                Charge(text.Length + 2);
                if (shape.Scalar == ScalarType.String)
                {
                    return text;
                }

                plain = text;
                break;
            case JsNumber n:
                Charge(8);
                var number = n.AsNumber();
                if (shape.Scalar == ScalarType.Double)
                {
                    return number;
                }

                if (shape.Scalar == ScalarType.Int32 && number is >= int.MinValue and <= int.MaxValue && double.IsInteger(number))
                {
                    return (int)number;
                }

                plain = double.IsInteger(number) && number is >= long.MinValue and < 9.2233720368547758e18 ? (long)number : (object)number;
                break;
            case JsBoolean b:
                Charge(8);
                if (shape.Scalar == ScalarType.Boolean)
                {
                    return b.AsBoolean();
                }

                plain = b.AsBoolean();
                break;
            case JsBigInt big:
                Charge(8);
                var whole = (BigInteger)big.ToObject();
                if (whole < long.MinValue || whole > long.MaxValue)
                {
                    throw new MisfitException($"{whole} is out of range: expected {shape.Description}");
                }

                plain = (long)whole;
                break;
            default:
                throw new MisfitException($"expected {shape.Description}, got {Describe(value)}");
        }

        return shape.FromScript(plain, out var error) ?? throw new MisfitException(error ?? $"expected {shape.Description}");
    }

    private int Deeper(int depth) => depth < maxDepth
        ? depth + 1
        : throw new ScriptLimitException(ScriptLimit.Depth, $"{_function} returned a value nested deeper than {maxDepth} levels (limits.depth).");

    private void Charge(long bytes)
    {
        _used += bytes;
        if (_used > maxBytes)
        {
            throw new ScriptLimitException(ScriptLimit.Output, $"{_function} returned a value larger than {maxBytes / 1024} KB (limits.outputKb).");
        }
    }

    /// <summary>A value that does not fit, with the path to it gathered as the reader unwinds.</summary>
    private sealed class MisfitException(string problem) : Exception(problem)
    {
        public List<string> Path { get; } = [];
    }
}

/// <summary>Property keys the engine reads often.</summary>
internal static class CommonProperties
{
    public static readonly JsString Length = JsString.Create("length");
}
