using System.Runtime.InteropServices;
using static Hotplug.Scripting.Lua.Internal.LuaNative;

namespace Hotplug.Scripting.Lua.Internal;

/// <summary>
/// One Lua state of a version: the sandbox built, the script's top level run once, then one call at a time on a
/// coroutine the engine keeps. What a call writes to globals goes to a table dropped after the call.
/// </summary>
/// <remarks>
/// Interrupts (the deadline, a broken limit) install <c>lua_error</c> itself as a count hook on every thread the
/// script may be running (the call's and the coroutines it made): the next instruction raises, in C, whatever pcall
/// the script wraps around it, since each instruction after raises again. Nothing is hooked until then, so normal
/// calls run at full speed. <c>lua_sethook</c> may be called from another thread, as from a signal handler.
/// </remarks>
internal sealed partial class LuaEngine : IScriptEngine
{
    private readonly LuaProgram _program;
    private readonly ScriptEnvironment _environment;
    private readonly unsafe LuaGuardState* _guard;
    private readonly Lock _sync = new();
    private readonly List<nint> _tracked = [];
    private GCHandle _self;
    private nint _main;
    private nint _thread;
    private int _threadRef;
    private int _proxyRef;
    private int _proxyMetaRef;
    private int _callMetaRef;
    private int _baseRef;
    private int _controlRef;
    private int _chunkRef;
    private int _callGlobalsRef;
    private int[] _functionRefs = [];
    private volatile bool _interrupted;
    private bool _failed;
    private bool _disposed;

    public unsafe LuaEngine(LuaProgram program, ScriptEnvironment environment)
    {
        _program = program;
        _environment = environment;
        InterruptCheck = () => _interrupted;
        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        _guard = LuaGuard.Create(environment.Limits.MemoryBytes, GCHandle.ToIntPtr(_self));
        _main = lua_newstate(&LuaGuard.Allocate, _guard);
        if (_main == 0)
        {
            LuaGuard.Free(_guard);
            _self.Free();
            throw new ScriptException("The Lua state could not be created.");
        }

        try
        {
            Build();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public bool IsUsable => !_failed && !_interrupted && !_disposed;

    public unsafe long MemoryBytes => _guard is null ? 0 : _guard->Used;

    public string PluginId => _environment.PluginId;

    public ScriptEnvironment Environment => _environment;

    internal nint Handle => GCHandle.ToIntPtr(_self);

    /// <summary>Whether the call was interrupted, for .NET code that runs long on a script's behalf (pattern searches).</summary>
    internal Func<bool> InterruptCheck { get; }

    /// <summary>While a .NET callback runs: the allocator does not refuse, so the callback's pushes cannot raise.</summary>
    internal unsafe CallbackScope Callback() => new(_guard);

    public bool HasFunction(string name)
    {
        var L = _main;
        lua_rawgeti(L, RegistryIndex, _baseRef);
        PushString(L, name);
        var type = lua_rawget(L, -2);
        lua_settop(L, -3);
        return type == TFunction;
    }

    /// <summary>Stops the script at its next instruction, on every thread it may run; the engine is unusable after.</summary>
    public unsafe void Interrupt()
    {
        lock (_sync)
        {
            _interrupted = true;
            if (_guard->Broken == 0)
            {
                _guard->Broken = (int)LuaBreak.Interrupted;
            }

            if (_thread != 0)
            {
                lua_sethook(_thread, ErrorHook, MaskCount, 1);
            }

            foreach (var thread in _tracked)
            {
                lua_sethook(thread, ErrorHook, MaskCount, 1);
            }
        }

    }

    /// <summary>Whether a thread of the script is deeper than the limit: called by the allocator, on the script's thread.</summary>
    public unsafe bool TooDeep()
    {
        var ar = stackalloc byte[512];
        var depth = _environment.Limits.MaxDepth;
        lock (_sync)
        {
            if (_thread != 0 && lua_getstack(_thread, depth, ar) != 0)
            {
                return true;
            }

            foreach (var thread in _tracked)
            {
                if (lua_getstack(thread, depth, ar) != 0)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Tracks a coroutine the script made or resumed: interrupts reach it. It stays referenced until the call ends.</summary>
    internal void Track(nint thread)
    {
        lock (_sync)
        {
            _tracked.Add(thread);
            if (_interrupted)
            {
                lua_sethook(thread, ErrorHook, MaskCount, 1);
            }
        }
    }

    public unsafe void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        lock (_sync)
        {
            if (_main != 0)
            {
                _guard->Enforce = 0;
                lua_close(_main);
                _main = 0;
                _thread = 0;
                _tracked.Clear();
            }
        }

        LuaGuard.Free(_guard);
        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    /// <summary>Opens the allowed libraries, runs the sandbox's bootstrap, then the script's top level.</summary>
    private unsafe void Build()
    {
        var L = _main;
        foreach (var name in (ReadOnlySpan<string>)["luaopen_base", "luaopen_string", "luaopen_table", "luaopen_math", "luaopen_utf8", "luaopen_coroutine", "luaopen_os"])
        {
            lua_pushcclosure(L, (delegate* unmanaged[Cdecl]<nint, int>)Export(name), 0);
            if (lua_pcallk(L, 0, 1, 0, 0, 0) != Ok)
            {
                throw new ScriptException($"Lua's library could not be opened ({name}): {ErrorText(L)}");
            }

            // luaopen_base returns the globals table; the others a library table to set as a global.
            if (name != "luaopen_base")
            {
                var global = name["luaopen_".Length..];
                lua_rawgeti(L, RegistryIndex, 2); // LUA_RIDX_GLOBALS
                PushString(L, global);
                lua_pushvalue(L, -3);
                lua_rawset(L, -3);
                lua_settop(L, -2);
            }

            lua_settop(L, -2);
        }

        Load(L, LuaSandbox.Source, "=sandbox");
        LuaCallbacks.PushHost(L, this);
        LuaCallbacks.PushDescription(L, _environment);
        if (lua_pcallk(L, 2, 5, 0, 0, 0) != Ok)
        {
            throw new ScriptException($"The Lua sandbox could not be built: {ErrorText(L)}");
        }

        _controlRef = luaL_ref(L, RegistryIndex);
        _baseRef = luaL_ref(L, RegistryIndex);
        _callMetaRef = luaL_ref(L, RegistryIndex);
        _proxyMetaRef = luaL_ref(L, RegistryIndex);
        _proxyRef = luaL_ref(L, RegistryIndex);
        _thread = lua_newthread(L);
        _threadRef = luaL_ref(L, RegistryIndex);
        RunTopLevel();
    }

    private static unsafe void Load(nint L, string source, string name)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(source);
        var chunk = System.Text.Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = bytes)
        fixed (byte* n = chunk)
        fixed (byte* mode = "t\0"u8)
        {
            if (luaL_loadbufferx(L, p, (nuint)bytes.Length, n, mode) != Ok)
            {
                throw new ScriptException($"{name}: {ErrorText(L)}");
            }
        }
    }

    /// <summary>Describes the error value on top of the stack (only text is read as is).</summary>
    internal static string ErrorText(nint L) => lua_type(L, -1) switch
    {
        TString => ToText(L, -1),
        TNil => "(no error message)",
        var type => $"(an error object that is not text: {TypeName(type)})",
    };

    internal static string TypeName(int type) => type switch
    {
        TNil => "nothing (nil)",
        TBoolean => "a boolean",
        TNumber => "a number",
        TString => "text",
        TTable => "a table",
        TFunction => "a function",
        TThread => "a coroutine",
        _ => "a userdata",
    };

    internal readonly unsafe struct CallbackScope : IDisposable
    {
        private readonly unsafe LuaGuardState* _guard;
        private readonly int _enforce;

        public CallbackScope(LuaGuardState* guard)
        {
            _guard = guard;
            _enforce = guard->Enforce;
            guard->Enforce = 0;
        }

        public void Dispose() => _guard->Enforce = _enforce;
    }
}
