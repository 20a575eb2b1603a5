using Hotplug.Scripting.Messages;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime.Interop;

namespace Hotplug.Scripting.JavaScript;

/// <summary>
/// Streams into a script: a stream parameter arrives as an iterator the script reads with <c>for (const x of items)</c>;
/// each step waits, on the engine's thread, for the caller's next item.
/// </summary>
internal sealed class JsStreams(Engine engine)
{
    private static readonly JsObjectLayout StepLayout = new(["value", "done"]);

    /// <summary>Gets <c>Symbol.iterator</c> of the engine's realm.</summary>
    public JsValue IteratorSymbol { get; } = ((ObjectInstance)engine.Global.Get("Symbol")).Get("iterator");

    /// <summary>Makes the iterator over a caller's stream; its items are read by <paramref name="item"/>'s shape.</summary>
    public JsValue Input(IAsyncEnumerator<object?> items, MessageShape item)
    {
        var iterator = new JsObject(engine);
        var finished = false;
        iterator.Set("next", new ClrFunction(engine, "next", (_, _) =>
        {
            if (!finished)
            {
                var moved = items.MoveNextAsync();
                finished = !(moved.IsCompleted ? moved.Result : moved.AsTask().GetAwaiter().GetResult());
            }

            return Step(finished ? JsValue.Undefined : JsMessages.ToJs(engine, items.Current, item), finished);
        }));
        iterator.Set("return", new ClrFunction(engine, "return", (_, _) =>
        {
            finished = true;
            return Step(JsValue.Undefined, done: true);
        }));
        iterator.Set(IteratorSymbol, new ClrFunction(engine, "[Symbol.iterator]", (self, _) => self));
        return iterator;
    }

    private ObjectInstance Step(JsValue value, bool done) =>
        JsObject.Create(engine, StepLayout, [value, done ? JsBoolean.True : JsBoolean.False]);
}

/// <summary>What <c>start()</c>, <c>health()</c> and <c>stop()</c> return, as plain values.</summary>
internal static class JsPlain
{
    public static object? From(JsValue value, int depth)
    {
        switch (value)
        {
            case JsBoolean b:
                return b.AsBoolean();
            case JsNumber n:
                var number = n.AsNumber();
                return double.IsInteger(number) && Math.Abs(number) < 9.007199254740992e15 ? (long)number : number;
            case JsString s:
                return s.ToString();
            case ObjectInstance o when depth < 8 && o.IsArray():
                var length = (long)Jint.Runtime.TypeConverter.ToLength(o.Get(CommonProperties.Length));
                var list = new List<object?>();
                for (var i = 0; i < Math.Min(length, 10_000); i++)
                {
                    list.Add(From(o.Get(JsNumber.Create(i)), depth + 1));
                }

                return list;
            case ObjectInstance o when depth < 8 && o is not Jint.Native.Function.Function:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var key in o.GetOwnPropertyKeys(Jint.Runtime.Types.String))
                {
                    map[key.ToString()] = From(o.Get(key), depth + 1);
                }

                return map;
            default:
                return null;
        }
    }
}
