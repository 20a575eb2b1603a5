using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hotplug.Scripting.Messages;
using Microsoft.Extensions.Logging;
using static Hotplug.Scripting.Lua.Internal.LuaNative;

namespace Hotplug.Scripting.Lua.Internal;

/// <summary>
/// The .NET functions a script reaches, through the sandbox's Lua wrappers. None raises a Lua error: each returns its
/// outcome (code, value) and the wrapper raises in Lua. While one runs the allocator does not refuse, so its pushes
/// cannot raise either; the memory limit holds again once it returns. Each catches every exception.
/// </summary>
internal static unsafe partial class LuaCallbacks
{
    /// <summary>The host table <c>H</c>: each callback a C closure over the engine's handle.</summary>
    public static void PushHost(nint L, LuaEngine engine)
    {
        var handle = (void*)engine.Handle;
        lua_createtable(L, 0, 8);
        Set(L, handle, "log", &Log);
        Set(L, handle, "get", &StateGet);
        Set(L, handle, "set", &StateSet);
        Set(L, handle, "service", &Service);
        Set(L, handle, "item", &Item);
        Set(L, handle, "track", &Track);
        Set(L, handle, "scan", &Scan);
        Set(L, handle, "interrupted", &Interrupted);
        PushString(L, "pending");
        lua_pushlightuserdata(L, (void*)1);
        lua_rawset(L, -3);
    }

    /// <summary>The plain description the sandbox builds <c>plugin</c>, <c>config</c> and <c>services</c> from.</summary>
    public static void PushDescription(nint L, ScriptEnvironment environment)
    {
        lua_createtable(L, 0, 3);
        PushString(L, "config");
        LuaValues.PushPlain(L, environment.Config, 0);
        lua_rawset(L, -3);
        PushString(L, "plugin");
        LuaValues.PushPlain(L, new Dictionary<string, object?> { ["id"] = environment.PluginId, ["version"] = environment.Version }, 0);
        lua_rawset(L, -3);
        PushString(L, "services");
        lua_createtable(L, environment.Services.Count, 0);
        for (var i = 0; i < environment.Services.Count; i++)
        {
            var service = environment.Services[i];
            LuaValues.PushPlain(L, new Dictionary<string, object?> { ["name"] = service.Name, ["methods"] = service.Methods.Select(m => (object?)m.Name).ToList() }, 0);
            lua_rawseti(L, -2, i + 1);
        }

        lua_rawset(L, -3);
    }

    /// <summary>Pushes a host value's outcome for a waiting script: (0, value).</summary>
    public static int PushOutcome(nint L, object? value, MessageShape? shape)
    {
        lua_pushinteger(L, 0);
        if (shape is null || !LuaValues.Push(L, value, shape, 0))
        {
            lua_pushnil(L);
        }

        return 2;
    }

    public static string ServiceError(ScriptServiceMethod method, Exception exception)
    {
        var inner = exception is System.Reflection.TargetInvocationException { InnerException: { } e } ? e : exception;
        return $"{method} failed: {inner.Message}";
    }

    private static void Set(nint L, void* handle, string name, delegate* unmanaged[Cdecl]<nint, int> function)
    {
        PushString(L, name);
        lua_pushlightuserdata(L, handle);
        lua_pushcclosure(L, function, 1);
        lua_rawset(L, -3);
    }

    private static LuaEngine Engine(nint L) => (LuaEngine)GCHandle.FromIntPtr((nint)lua_touserdata(L, UpvalueIndex(1))).Target!;

    private static int Fail(nint L, string message)
    {
        lua_pushinteger(L, 1);
        PushString(L, message);
        return 2;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Log(nint L)
    {
        try
        {
            var engine = Engine(L);
            using var scope = engine.Callback();
            var level = lua_tointegerx(L, 1, 0) switch
            {
                0 => LogLevel.Debug,
                1 => LogLevel.Information,
                2 => LogLevel.Warning,
                _ => LogLevel.Error,
            };
            var text = lua_type(L, 2) == TString ? ToText(L, 2) : string.Empty;
            ScriptLog(engine.Environment.Logger, level, engine.PluginId, text);
        }
        catch (Exception)
        {
            // A logger that throws loses the line; the script goes on.
        }

        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int StateGet(nint L)
    {
        try
        {
            var engine = Engine(L);
            using var scope = engine.Callback();
            LuaValues.PushPlain(L, engine.Environment.State.Get(lua_type(L, 1) == TString ? ToText(L, 1) : string.Empty), 0);
        }
        catch (Exception)
        {
            lua_pushnil(L);
        }

        return 1;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int StateSet(nint L)
    {
        try
        {
            var engine = Engine(L);
            using var scope = engine.Callback();
            var key = lua_type(L, 1) == TString ? ToText(L, 1) : string.Empty;
            var error = engine.Environment.State.Set(key, LuaValues.ReadPlain(L, 2, 0));
            if (error is null)
            {
                return 0;
            }

            PushString(L, error);
        }
        catch (Exception ex)
        {
            PushString(L, $"state.set failed: {ex.Message}");
        }

        return 1;
    }

    /// <summary><c>H.service(service, method, canYield, ...)</c>: calls a host service method with the script's values.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Service(nint L)
    {
        ScriptServiceMethod? method = null;
        try
        {
            var engine = Engine(L);
            using var scope = engine.Callback();
            var service = engine.Environment.Services[(int)lua_tointegerx(L, 1, 0) - 1];
            method = service.Methods[(int)lua_tointegerx(L, 2, 0) - 1];
            var canYield = lua_toboolean(L, 3) != 0;
            var values = new object?[method.Parameters.Count];
            for (var i = 0; i < values.Length; i++)
            {
                var budget = long.MaxValue;
                try
                {
                    values[i] = LuaValues.Read(L, 4 + i, method.Parameters[i], allowsNull: true, ref budget, 0);
                }
                catch (LuaValueMismatch mismatch)
                {
                    return Fail(L, $"{method}: argument {i + 1} does not fit at {mismatch.Path("argument")}: {mismatch.Problem}");
                }
            }

            var call = method.InvokeAsync(values, engine.CallToken);
            if (!call.IsCompleted)
            {
                if (canYield)
                {
                    engine.WaitFor(call.AsTask(), method);
                    lua_pushinteger(L, 2);
                    return 1;
                }

                // Not on the call's own thread (inside a coroutine the script made, or a C function such as table.sort): waited for in place.
                return PushOutcome(L, call.AsTask().GetAwaiter().GetResult(), method.Result);
            }

            return PushOutcome(L, call.Result, method.Result);
        }
        catch (Exception ex)
        {
            return Fail(L, method is null ? ex.Message : ServiceError(method, ex));
        }
    }

    /// <summary><c>H.item(slot, canYield)</c>: the next item of a stream parameter.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Item(nint L)
    {
        try
        {
            var engine = Engine(L);
            using var scope = engine.Callback();
            var slot = (int)lua_tointegerx(L, 1, 0) - 1;
            var input = engine.Input(slot, out var shape);
            if (input is null)
            {
                lua_pushinteger(L, 3);
                return 1;
            }

            var move = input.MoveNextAsync();
            if (!move.IsCompleted)
            {
                if (lua_toboolean(L, 2) != 0)
                {
                    engine.WaitFor(move.AsTask(), slot);
                    lua_pushinteger(L, 2);
                    return 1;
                }

                move = new ValueTask<bool>(move.AsTask().GetAwaiter().GetResult());
            }

            if (!move.Result)
            {
                lua_pushinteger(L, 3);
                return 1;
            }

            return PushOutcome(L, input.Current, shape);
        }
        catch (Exception ex)
        {
            return Fail(L, $"the stream failed: {ex.Message}");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Track(nint L)
    {
        try
        {
            var thread = lua_tothread(L, 1);
            if (thread != 0)
            {
                Engine(L).Track(thread);
            }
        }
        catch (Exception)
        {
            // Nothing to report: an untracked coroutine is only reached by the limits, not by an interrupt.
        }

        return 0;
    }

    /// <summary>
    /// <c>H.scan(s, p, from, last, mode, plain)</c>: the next match of <paramref name="L"/>'s pattern at or after
    /// <c>from</c> (0-based) whose end is not <c>last</c>; mode 0 find, 1 match, 2 gmatch (no anchor), 3 gsub. Returns
    /// (0, start, end, captures...), (0) when there is none, or (1, message).
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Scan(nint L)
    {
        try
        {
            var engine = Engine(L);
            using var scope = engine.Callback();
            var s = lua_tolstring(L, 1, out var sl);
            var p = lua_tolstring(L, 2, out var pl);
            var from = (int)lua_tointegerx(L, 3, 0);
            var last = (int)lua_tointegerx(L, 4, 0);
            var mode = (int)lua_tointegerx(L, 5, 0);
            var subject = new ReadOnlySpan<byte>(s, checked((int)sl));
            var pattern = new ReadOnlySpan<byte>(p, checked((int)pl));
            if (lua_checkstack(L, LuaPatterns.CaptureSlots + 8) == 0)
            {
                return Fail(L, "stack overflow (too many captures)");
            }

            lua_pushinteger(L, 0);
            if (mode == 0 && (lua_toboolean(L, 6) != 0 || LuaPatterns.NoSpecials(pattern)))
            {
                var at = LuaPatterns.Find(subject, pattern, from, engine.InterruptCheck);
                if (at < 0)
                {
                    return 1;
                }

                lua_pushinteger(L, at);
                lua_pushinteger(L, at + pattern.Length);
                return 3;
            }

            var anchor = mode != 2 && pattern.Length > 0 && pattern[0] == (byte)'^';
            Span<int> init = stackalloc int[LuaPatterns.CaptureSlots];
            Span<int> length = stackalloc int[LuaPatterns.CaptureSlots];
            var match = new LuaPatterns(subject, pattern, init, length, engine.InterruptCheck);
            var start = from;
            do
            {
                var end = match.Match(start, anchor ? 1 : 0);
                if (end != -1 && end != last)
                {
                    lua_pushinteger(L, start);
                    lua_pushinteger(L, end);
                    for (var i = 0; i < match.Level; i++)
                    {
                        var (at, count) = match.Capture(i);
                        if (LuaPatterns.IsPosition(count))
                        {
                            lua_pushinteger(L, at + 1);
                        }
                        else
                        {
                            lua_pushlstring(L, s + at, (nuint)count);
                        }
                    }

                    return 3 + match.Level;
                }
            }
            while (start++ < subject.Length && !anchor);

            return 1;
        }
        catch (Exception ex)
        {
            return Fail(L, ex.Message);
        }
    }

    /// <summary><c>H.interrupted()</c>: whether the call was interrupted (xpcall's handlers run with hooks off once it is).</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Interrupted(nint L)
    {
        try
        {
            lua_pushboolean(L, Engine(L).InterruptCheck() ? 1 : 0);
        }
        catch (Exception)
        {
            lua_pushboolean(L, 1);
        }

        return 1;
    }

    [LoggerMessage(EventId = 1, Message = "Script '{PluginId}': {Text}")]
    private static partial void ScriptLog(ILogger logger, LogLevel level, string pluginId, string text);
}
