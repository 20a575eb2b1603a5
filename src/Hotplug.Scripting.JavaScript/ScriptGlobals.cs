using Hotplug.Scripting.Messages;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;
using Microsoft.Extensions.Logging;

namespace Hotplug.Scripting.JavaScript;

/// <summary>
/// What a script sees besides ECMAScript's built-ins: <c>plugin</c>, <c>config</c>, <c>log</c>, <c>state</c> and
/// <c>services</c>, each a frozen plain object whose functions are the realm's own function objects (their prototype is
/// <c>Function.prototype</c>, no CLR type behind them is reachable), bound as read-only globals. Built-ins that would
/// let a script block, observe the collector or make a realm of its own are removed.
/// </summary>
internal static partial class ScriptGlobals
{
    /// <summary>
    /// Built-ins a script does not get: blocking waits and shared memory, collector callbacks that would run between
    /// calls, fresh realms with unfrozen built-ins, and Temporal (a proposal still, and the largest tree of built-ins
    /// to freeze in every engine).
    /// </summary>
    public static readonly string[] Removed = ["SharedArrayBuffer", "Atomics", "ShadowRealm", "FinalizationRegistry", "WeakRef", "Temporal"];

    public static void Install(Engine engine, ScriptEnvironment environment, ICallContext call)
    {
        foreach (var name in Removed)
        {
            engine.Global.RemoveOwnProperty(name);
        }

        Define(engine, "plugin", Frozen(engine, new Dictionary<string, object?> { ["id"] = environment.PluginId, ["version"] = environment.Version }));
        Define(engine, "config", JsMessages.FromPlain(engine, environment.Config, freeze: true));
        Define(engine, "log", Log(engine, environment.Logger));
        Define(engine, "state", State(engine, environment.State));
        var services = new JsObject(engine);
        foreach (var service in environment.Services)
        {
            var methods = new JsObject(engine);
            foreach (var method in service.Methods)
            {
                methods.Set(method.Name, Function(engine, method.Name, (_, arguments) => CallService(engine, method, arguments, call)));
            }

            JsMessages.Freeze(engine, methods);
            services.Set(service.Name, methods);
        }

        JsMessages.Freeze(engine, services);
        Define(engine, "services", services);
    }

    private static JsValue Frozen(Engine engine, Dictionary<string, object?> values) => JsMessages.FromPlain(engine, values, freeze: true);

    private static void Define(Engine engine, string name, JsValue value) =>
        engine.Global.DefineOwnProperty(name, new PropertyDescriptor(value, writable: false, enumerable: false, configurable: false));

    private static ClrFunction Function(Engine engine, string name, Func<JsValue, JsValue[], JsValue> body) => new(engine, name, body);

    private static JsObject Log(Engine engine, ILogger logger)
    {
        var log = new JsObject(engine);
        foreach (var (name, level) in new[] { ("debug", LogLevel.Debug), ("info", LogLevel.Information), ("warn", LogLevel.Warning), ("error", LogLevel.Error) })
        {
            log.Set(name, Function(engine, name, (_, arguments) =>
            {
                if (logger.IsEnabled(level))
                {
                    Write(logger, level, string.Join(' ', arguments.Select(a => TypeConverter.ToString(a))));
                }

                return JsValue.Undefined;
            }));
        }

        JsMessages.Freeze(engine, log);
        return log;
    }

    private static JsObject State(Engine engine, ScriptState state)
    {
        var result = new JsObject(engine);
        result.Set("get", Function(engine, "get", (_, arguments) => JsMessages.FromPlain(engine, state.Get(Key(arguments)))));
        result.Set("set", Function(engine, "set", (_, arguments) =>
        {
            var key = Key(arguments);
            var value = arguments.Length > 1 ? arguments[1] : JsValue.Undefined;
            // Cast to object: Jint's implicit conversions to JsValue would otherwise type the switch as JsValue.
            var plain = value switch
            {
                _ when value.IsNull() || value.IsUndefined() => null,
                JsBoolean b => (object)b.AsBoolean(),
                JsNumber n when double.IsInteger(n.AsNumber()) && Math.Abs(n.AsNumber()) < 9.007199254740992e15 => (long)n.AsNumber(),
                JsNumber n => n.AsNumber(),
                JsString s => s.ToString(),
                _ => value,
            };
            var error = plain is JsValue other
                ? $"state.set('{key}'): only null, booleans, numbers and text can be kept, not {JsReader.Describe(other)}"
                : state.Set(key, plain);
            return error is null ? JsValue.Undefined : throw new JavaScriptException(engine.Intrinsics.TypeError, error);
        }));
        JsMessages.Freeze(engine, result);
        return result;
    }

    private static string Key(JsValue[] arguments) => arguments.Length > 0 ? TypeConverter.ToString(arguments[0]) : "undefined";

    /// <summary>
    /// Calls a host service method: arguments read by the message rules, the method's task waited for on the engine's
    /// thread (the script engine is synchronous), the result given back by the message rules. A service's own failure
    /// becomes a JavaScript error the script may catch; the call's deadline or cancellation ends the call.
    /// </summary>
    private static JsValue CallService(Engine engine, ScriptServiceMethod method, JsValue[] arguments, ICallContext call)
    {
        var values = new object?[method.Parameters.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var shape = method.Parameters[i];
            try
            {
                values[i] = call.Reader.Read(i < arguments.Length ? arguments[i] : JsValue.Undefined, shape, shape.AllowsNull, method.ToString(), $"argument {i + 1}");
            }
            catch (ScriptValueException misfit)
            {
                // The script's own mistake, which it may catch: a TypeError, as a built-in given a wrong argument throws.
                throw new JavaScriptException(engine.Intrinsics.TypeError, $"{method} was given a value that does not fit at {misfit.Path}: {misfit.Message[(misfit.Message.LastIndexOf(": ", StringComparison.Ordinal) + 2)..]}");
            }
        }

        object? result;
        try
        {
            var pending = method.InvokeAsync(values, call.Token);
            result = pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (call.Token.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            var inner = ex is System.Reflection.TargetInvocationException { InnerException: { } target } ? target : ex;
            throw new JavaScriptException(engine.Intrinsics.Error, $"{method} failed: {inner.Message}");
        }

        return method.Result is { } resultShape ? JsMessages.ToJs(engine, result, resultShape) : JsValue.Undefined;
    }

    [LoggerMessage(Message = "{Text}")]
    private static partial void Write(ILogger logger, LogLevel level, string text);
}

/// <summary>What a service call needs of the call it is made in.</summary>
internal interface ICallContext
{
    /// <summary>Gets the call's deadline token.</summary>
    CancellationToken Token { get; }

    /// <summary>Gets the engine's reader of script values.</summary>
    JsReader Reader { get; }
}
