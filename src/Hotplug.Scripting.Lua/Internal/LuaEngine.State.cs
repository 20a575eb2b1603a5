using Hotplug.Scripting.Messages;
using static Hotplug.Scripting.Lua.Internal.LuaNative;

namespace Hotplug.Scripting.Lua.Internal;

/// <summary>What happens between calls (the call's globals dropped, <c>_ENV</c> restored) and while a call waits on the host.</summary>
internal sealed partial class LuaEngine
{
    private PendingKind _pendingKind;
    private Task<object?>? _pendingService;
    private ScriptServiceMethod? _pendingMethod;
    private Task<bool>? _pendingMove;
    private int _pendingSlot;

    internal enum PendingKind
    {
        None,
        Service,
        Item,
    }

    /// <summary>A service call that did not finish at once: the script's thread yields, the host awaits it.</summary>
    internal void WaitFor(Task<object?> task, ScriptServiceMethod method)
    {
        _pendingKind = PendingKind.Service;
        _pendingService = task;
        _pendingMethod = method;
    }

    /// <summary>A stream parameter's next item that did not arrive at once.</summary>
    internal void WaitFor(Task<bool> move, int slot)
    {
        _pendingKind = PendingKind.Item;
        _pendingMove = move;
        _pendingSlot = slot;
    }

    internal IAsyncEnumerator<object?>? Input(int slot, out MessageShape? shape)
    {
        if (slot < 0 || slot >= _inputs.Length)
        {
            shape = null;
            return null;
        }

        shape = _inputShapes[slot];
        return _inputs[slot];
    }

    /// <summary>Awaits what the script waits on, then pushes its outcome (code, value) for the thread to resume with.</summary>
    private async Task<int> AwaitPendingAsync(int yielded)
    {
        var L = _thread;
        lua_settop(L, -yielded - 1);
        var kind = _pendingKind;
        _pendingKind = PendingKind.None;
        if (kind == PendingKind.Service)
        {
            var (task, method) = (_pendingService!, _pendingMethod!);
            (_pendingService, _pendingMethod) = (null, null);
            object? value;
            try
            {
                value = await task.WaitAsync(_token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!_token.IsCancellationRequested)
            {
                lua_pushinteger(L, 1);
                PushString(L, LuaCallbacks.ServiceError(method, ex));
                return 2;
            }

            return LuaCallbacks.PushOutcome(L, value, method.Result);
        }

        var move = _pendingMove!;
        _pendingMove = null;
        bool more;
        try
        {
            more = await move.WaitAsync(_token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!_token.IsCancellationRequested)
        {
            lua_pushinteger(L, 1);
            PushString(L, $"the stream failed: {ex.Message}");
            return 2;
        }

        if (!more)
        {
            lua_pushinteger(L, 3);
            return 1;
        }

        var input = Input(_pendingSlot, out var shape);
        return LuaCallbacks.PushOutcome(L, input!.Current, shape);
    }

    /// <summary>Runs the script's top level once, on the call's thread, under the timeout; its globals become the base.</summary>
    private void RunTopLevel()
    {
        var L = _thread;
        _program.Push(L);
        lua_rawgeti(L, RegistryIndex, _proxyRef);
        lua_setupvalue(L, -2, 1);
        lua_pushvalue(L, -1);
        _chunkRef = luaL_ref(L, RegistryIndex);
        using var deadline = new CancellationTokenSource(_environment.Limits.Timeout ?? ScriptLimits.FallbackTimeout);
        using (var registration = Begin(deadline.Token))
        {
            // Not yet the call thread: a service the top level calls is waited for in place.
            var status = Resume(0, out _);
            if (status != Ok)
            {
                var error = Failure(_environment.ScriptName, status);
                throw error as ScriptException ?? new ScriptLimitException(ScriptLimit.Timeout, $"{_environment.ScriptName}: the top level ran past its timeout and was interrupted.", error);
            }

            _token = default;
        }

        lua_settop(L, 0);
        SetControl("thread", L);
        NewCallGlobals(L);
    }

    /// <summary>Between calls: the stack emptied, the call's globals dropped if it wrote any, <c>_ENV</c> put back, tracked coroutines let go.</summary>
    private void ResetCall()
    {
        var L = _thread;
        lua_settop(L, 0);
        lua_rawgeti(L, RegistryIndex, _callGlobalsRef);
        lua_pushnil(L);
        var written = lua_next(L, -2) != 0;
        lua_settop(L, 0);
        if (written)
        {
            NewCallGlobals(L);
        }

        // _ENV is the top level's upvalue, shared by its functions: a call that assigned it must not leave it for the next.
        lua_rawgeti(L, RegistryIndex, _chunkRef);
        lua_getupvalue(L, -1, 1);
        lua_rawgeti(L, RegistryIndex, _proxyRef);
        if (lua_rawequal(L, -1, -2) == 0)
        {
            lua_setupvalue(L, -3, 1);
        }

        lua_settop(L, 0);
        if (_tracked.Count > 0)
        {
            lock (_sync)
            {
                _tracked.Clear();
            }

            lua_createtable(_main, 0, 0);
            SetControl("tracked");
        }
    }

    /// <summary>A fresh table for the next call's globals, reading through to the base.</summary>
    private void NewCallGlobals(nint L)
    {
        lua_createtable(L, 0, 0);
        lua_rawgeti(L, RegistryIndex, _callMetaRef);
        lua_setmetatable(L, -2);
        lua_rawgeti(L, RegistryIndex, _proxyMetaRef);
        PushString(L, "__index");
        lua_pushvalue(L, -3);
        lua_rawset(L, -3);
        PushString(L, "__newindex");
        lua_pushvalue(L, -3);
        lua_rawset(L, -3);
        lua_settop(L, -2);
        if (_callGlobalsRef == 0)
        {
            _callGlobalsRef = luaL_ref(L, RegistryIndex);
        }
        else
        {
            lua_rawseti(L, RegistryIndex, _callGlobalsRef);
        }
    }

    /// <summary>After a script error the call's thread is dead: a new one takes its place (the old one's stack is dropped, nothing of it runs).</summary>
    private void ReplaceThread()
    {
        var L = _main;
        lua_settop(_thread, 0);
        _thread = lua_newthread(L);
        lua_rawseti(L, RegistryIndex, _threadRef);
        SetControl("thread", _thread);
    }

    /// <summary>Sets a field of the sandbox's control table to the thread given, or to the value on top of the main stack.</summary>
    private void SetControl(string field, nint thread = 0)
    {
        var L = _main;
        if (thread != 0)
        {
            lua_rawgeti(L, RegistryIndex, _threadRef);
        }

        lua_rawgeti(L, RegistryIndex, _controlRef);
        PushString(L, field);
        lua_rotate(L, -3, -1);
        lua_rawset(L, -3);
        lua_settop(L, -2);
    }
}
