using Jint.Native;
using Jint.Native.Object;

namespace Hotplug.Scripting.JavaScript;

/// <summary>
/// Streams out of a script: the operation's function returns an iterable — a generator function (<c>function*</c>)
/// does — and each item is read as the caller asks for it. The whole stream runs under one deadline and the engine is
/// the stream's until it ends.
/// </summary>
internal sealed partial class JavaScriptEngine
{
    private static readonly JsString DoneKey = JsString.Create("done");
    private static readonly JsString ValueKey = JsString.Create("value");
    private static readonly JsString NextKey = JsString.Create("next");
    private static readonly JsString ReturnKey = JsString.Create("return");

    private static ValueTask<T> Step<T>(bool offload, Func<T> step) =>
        offload ? new ValueTask<T>(Task.Run(step, CancellationToken.None)) : ValueTask.FromResult(step());

    private ObjectInstance Open(ScriptOperation operation, object?[] values, CancellationToken cancellationToken)
    {
        var function = Function(operation);
        var arguments = new JsValue[operation.Parameters.Count];
        Begin(cancellationToken);
        try
        {
            Fill(arguments, operation, values, cancellationToken);
            var iterable = _engine.Invoke(function, JsValue.Undefined, arguments);
            var method = iterable is ObjectInstance o ? o.Get(Streams.IteratorSymbol) : JsValue.Undefined;
            if (method is not Jint.Native.Function.Function)
            {
                throw new ScriptValueException(operation.Function, "result", $"expected a stream (write the function as a generator, function*, or return an iterable), got {JsReader.Describe(iterable)}");
            }

            return _engine.Invoke(method, iterable, []) as ObjectInstance
                ?? throw new ScriptValueException(operation.Function, "result", "its iterator is not an object");
        }
        catch (Exception ex)
        {
            var failure = Failure(ex, operation.Function);
            End();
            if (failure is not null)
            {
                throw failure;
            }

            throw;
        }
    }

    private (bool Done, object? Item) Next(ScriptOperation operation, ObjectInstance iterator)
    {
        try
        {
            var step = _engine.Invoke(iterator.Get(NextKey), iterator, []) as ObjectInstance
                ?? throw new ScriptValueException(operation.Function, "result", "its iterator's next() returned no object");
            if (TypeConverterToBoolean(step.Get(DoneKey)))
            {
                return (true, null);
            }

            return (false, Reader.Read(step.Get(ValueKey), operation.Result!, operation.ResultAllowsNull, operation.Function, "item"));
        }
        catch (Exception ex) when (Failure(ex, operation.Function) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>Ends the stream: an iterator left before its end is closed (its <c>finally</c> blocks run), then the call ends.</summary>
    private bool Close(ObjectInstance iterator, bool completed)
    {
        try
        {
            if (!completed && !_broken && iterator.Get(ReturnKey) is Jint.Native.Function.Function)
            {
                _engine.Invoke(iterator.Get(ReturnKey), iterator, []);
            }
        }
        catch (Exception ex) when (Failure(ex, "return") is not null || ex is Jint.Runtime.JavaScriptException)
        {
            // Closing is best effort: the caller already has its items or its error.
        }
        finally
        {
            End();
        }

        return true;
    }

    private static bool TypeConverterToBoolean(JsValue value) => Jint.Runtime.TypeConverter.ToBoolean(value);
}
