using System.Runtime.CompilerServices;
using Hotplug.Scripting.Messages;
using static Hotplug.Scripting.Lua.Internal.LuaNative;

namespace Hotplug.Scripting.Lua.Internal;

/// <summary>The call path: push the function and its values, resume the call's coroutine, read what it returned.</summary>
internal sealed partial class LuaEngine
{
    private static readonly Action<object?> OnDeadline = static engine => ((LuaEngine)engine!).Interrupt();
    private readonly IAsyncEnumerator<object?>?[] _inputs = new IAsyncEnumerator<object?>?[4];
    private readonly MessageShape?[] _inputShapes = new MessageShape?[4];
    private CancellationToken _token;

    internal CancellationToken CallToken => _token;

    public ValueTask<object?> InvokeAsync(ScriptOperation operation, object?[] values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(values);
        var registration = Begin(cancellationToken);
        var pending = false;
        try
        {
            var L = _thread;
            PushFunction(L, operation);
            var run = RunAsync(PushArguments(L, operation, values));
            if (run.IsCompletedSuccessfully)
            {
                var (status, results) = run.Result;
                return new ValueTask<object?>(Finish(operation, status, results));
            }

            pending = true;
            return FinishAsync(operation, run, registration);
        }
        finally
        {
            if (!pending)
            {
                End(registration);
            }
        }
    }

    public async IAsyncEnumerable<object?> InvokeStreamAsync(ScriptOperation operation, object?[] values, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(values);
        var registration = Begin(cancellationToken);
        var iterator = RefNil;
        try
        {
            var L = _thread;
            PushFunction(L, operation);
            var (status, results) = await RunAsync(PushArguments(L, operation, values)).ConfigureAwait(false);
            iterator = Iterator(operation, status, results);
            while (true)
            {
                lua_settop(L, 0);
                lua_rawgeti(L, RegistryIndex, iterator);
                (status, results) = await RunAsync(0).ConfigureAwait(false);
                if (status != Ok)
                {
                    throw Failure(operation.Function, status);
                }

                if (results == 0 || lua_type(L, 1) == TNil)
                {
                    break;
                }

                var item = Read(operation, 1);
                lua_settop(L, 0);
                yield return item;
            }
        }
        finally
        {
            if (iterator != RefNil && _main != 0)
            {
                luaL_unref(_main, RegistryIndex, iterator);
            }

            End(registration);
        }
    }

    public async ValueTask<object?> CallFunctionAsync(string name, CancellationToken cancellationToken)
    {
        var registration = Begin(cancellationToken);
        try
        {
            var L = _thread;
            lua_rawgeti(L, RegistryIndex, _baseRef);
            PushString(L, name);
            lua_rawget(L, -2);
            lua_rotate(L, -2, 1);
            lua_settop(L, -2);
            var (status, results) = await RunAsync(0).ConfigureAwait(false);
            if (status != Ok)
            {
                throw Failure(name, status);
            }

            return results == 0 ? null : LuaValues.ReadPlain(L, 1, 0);
        }
        finally
        {
            End(registration);
        }
    }

    private CancellationTokenRegistration Begin(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsUsable)
        {
            throw new InvalidOperationException("This Lua engine was interrupted or broke a limit; it cannot serve another call.");
        }

        _token = cancellationToken;

        // A token already cancelled runs the callback here: the script stops at its first instruction.
        return cancellationToken.UnsafeRegister(OnDeadline, this);
    }

    private void End(CancellationTokenRegistration registration)
    {
        registration.Dispose();

        // The deadline's other callbacks (a service's own) may end the call before this engine's runs, and disposing
        // the registration then drops it: a call that ends cancelled leaves the engine unusable all the same.
        if (_token.IsCancellationRequested)
        {
            _interrupted = true;
        }

        _token = default;
        _pendingKind = PendingKind.None;
        for (var i = 0; i < _inputs.Length; i++)
        {
            if (_inputs[i] is { } input)
            {
                _inputs[i] = null;
                _ = input.DisposeAsync().AsTask();
            }
        }

        if (IsUsable)
        {
            ResetCall();
        }
    }

    private async ValueTask<object?> FinishAsync(ScriptOperation operation, ValueTask<(int Status, int Results)> run, CancellationTokenRegistration registration)
    {
        try
        {
            var (status, results) = await run.ConfigureAwait(false);
            return Finish(operation, status, results);
        }
        finally
        {
            End(registration);
        }
    }

    /// <summary>Resumes the call's coroutine until it returns or fails; while it waits on the host (a task), awaits that.</summary>
    private ValueTask<(int Status, int Results)> RunAsync(int arguments)
    {
        var status = Resume(arguments, out var results);
        return status == Yield && _pendingKind != PendingKind.None ? ContinueAsync(results) : new((status, results));
    }

    private async ValueTask<(int Status, int Results)> ContinueAsync(int yielded)
    {
        int status;
        int results;
        do
        {
            var arguments = await AwaitPendingAsync(yielded).ConfigureAwait(false);
            status = Resume(arguments, out results);
            yielded = results;
        }
        while (status == Yield && _pendingKind != PendingKind.None);

        return (status, results);
    }

    private unsafe int Resume(int arguments, out int results)
    {
        _guard->Enforce = 1;
        var status = lua_resume(_thread, 0, arguments, out results);
        _guard->Enforce = 0;
        return status;
    }

    private void PushFunction(nint L, ScriptOperation operation)
    {
        var id = operation.Id;
        if (id >= _functionRefs.Length)
        {
            Array.Resize(ref _functionRefs, Math.Max(id + 1, _functionRefs.Length * 2));
        }

        if (_functionRefs[id] == 0)
        {
            lua_rawgeti(L, RegistryIndex, _baseRef);
            PushString(L, operation.Function);
            lua_rawget(L, -2);
            _functionRefs[id] = luaL_ref(L, RegistryIndex);
            lua_settop(L, -2);
        }

        lua_rawgeti(L, RegistryIndex, _functionRefs[id]);
    }

    private int PushArguments(nint L, ScriptOperation operation, object?[] values)
    {
        var parameters = operation.Descriptor.Parameters;
        lua_checkstack(L, parameters.Count + LuaValues.StackPerLevel);
        for (var i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].IsStream)
            {
                PushInput(L, i, (IAsyncEnumerable<object?>)values[i]!, operation.Parameters[i]);
            }
            else if (!LuaValues.Push(L, values[i], operation.Parameters[i], 0))
            {
                throw new ScriptException($"{operation.Function}: its request is nested too deeply to be given to Lua.");
            }
        }

        return parameters.Count;
    }

    /// <summary>A stream parameter: an iterator function over the items, the slot's enumerator read by a callback.</summary>
    private void PushInput(nint L, int slot, IAsyncEnumerable<object?> items, MessageShape shape)
    {
        _inputs[slot] = items.GetAsyncEnumerator(_token);
        _inputShapes[slot] = shape;
        lua_rawgeti(L, RegistryIndex, _controlRef);
        PushString(L, "items");
        lua_rawget(L, -2);
        lua_pushinteger(L, slot + 1);
        if (lua_pcallk(L, 1, 1, 0, 0, 0) != Ok)
        {
            throw new ScriptException($"The stream parameter could not be given to Lua: {ErrorText(L)}");
        }

        lua_rotate(L, -2, 1);
        lua_settop(L, -2);
    }

    private object? Finish(ScriptOperation operation, int status, int results)
    {
        if (status != Ok)
        {
            throw Failure(operation.Function, status);
        }

        if (operation.Result is null)
        {
            return null;
        }

        lua_settop(_thread, Math.Max(results, 1));
        return Read(operation, 1);
    }

    private object? Read(ScriptOperation operation, int index)
    {
        var budget = _environment.Limits.MaxOutputBytes;
        try
        {
            return LuaValues.Read(_thread, index, operation.Result!, operation.ResultAllowsNull, ref budget, 0);
        }
        catch (LuaValueMismatch mismatch)
        {
            throw new ScriptValueException(operation.Function, mismatch.Path("result"), mismatch.Problem);
        }
        catch (LuaOutputExceeded)
        {
            _failed = true;
            throw new ScriptLimitException(ScriptLimit.Output, $"{operation.Function} returned a message larger than {_environment.Limits.MaxOutputBytes / 1024} KB (limits.outputKb).");
        }
    }

    /// <summary>The stream's iterator from what the function returned, kept in the registry while the stream runs.</summary>
    private int Iterator(ScriptOperation operation, int status, int results)
    {
        if (status != Ok)
        {
            throw Failure(operation.Function, status);
        }

        var L = _thread;
        lua_settop(L, Math.Max(results, 1));
        lua_settop(L, 1);
        lua_rawgeti(L, RegistryIndex, _controlRef);
        PushString(L, "iterate");
        lua_rawget(L, -2);
        lua_rotate(L, -2, 1);
        lua_settop(L, -2);
        lua_rotate(L, -2, 1);
        if (lua_pcallk(L, 1, 1, 0, 0, 0) != Ok || lua_type(L, -1) != TFunction)
        {
            throw new ScriptValueException(operation.Function, "result", "expected an iterator function, a coroutine or a sequence of items");
        }

        return luaL_ref(L, RegistryIndex);
    }

    /// <summary>What a failed resume means: a broken limit or an interrupt (the engine is done), or the script's own error.</summary>
    private unsafe Exception Failure(string function, int status)
    {
        var limits = _environment.Limits;
        var broken = (LuaBreak)_guard->Broken;
        if (broken != LuaBreak.None || _interrupted)
        {
            _failed = true;
            return broken switch
            {
                LuaBreak.Memory => new ScriptLimitException(ScriptLimit.Memory, $"{function} needed more than {limits.MemoryBytes / (1024 * 1024)} MB of memory (limits.memoryMb) and was stopped."),
                LuaBreak.Depth => new ScriptLimitException(ScriptLimit.Depth, $"{function} called deeper than {limits.MaxDepth} levels (limits.depth) and was stopped."),
                _ => new OperationCanceledException($"{function} was interrupted.", _token),
            };
        }

        if (status == Yield)
        {
            ReplaceThread();
            return new ScriptException($"{function}: a call yielded to the host; yield only inside a coroutine the script made.");
        }

        var message = ErrorText(_thread);
        if (status == ErrMem || message.Contains("stack overflow", StringComparison.Ordinal))
        {
            _failed = true;
            return status == ErrMem
                ? new ScriptLimitException(ScriptLimit.Memory, $"{function} ran out of memory: {message}")
                : new ScriptLimitException(ScriptLimit.Depth, $"{function} overflowed the stack (limits.depth): {message}");
        }

        ReplaceThread();
        return new ScriptException($"{function}: {message}");
    }
}
