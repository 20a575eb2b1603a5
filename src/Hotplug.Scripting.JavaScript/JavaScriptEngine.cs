using System.Globalization;
using System.Runtime.CompilerServices;
using Jint;
using Jint.Constraints;
using Jint.Native;
using Jint.Runtime;

namespace Hotplug.Scripting.JavaScript;

/// <summary>
/// One Jint engine of a version: it ran the script's top level once, then serves one call at a time. The built-ins and
/// the global object are locked once the top level ran (<see cref="Lockdown"/>): a call cannot add a global or change a
/// built-in, and the values of the script's own top-level declarations (its functions and <c>var</c>s) are put back
/// after each call. What persists between calls is what the script keeps on purpose in closures: its top-level
/// <c>let</c>/<c>const</c> bindings and the objects they hold.
/// </summary>
/// <remarks>
/// A call runs on the caller's thread, unless the script uses <c>services</c> or the operation takes a stream (both may
/// wait for a task): then on the thread pool, so the caller's call stays asynchronous while the engine's thread waits.
/// The call's deadline token arms an <see cref="OperationDeadlineConstraint"/> that Jint checks as it runs (amortised,
/// so it leaves the interpreter's fast loops on); memory is Jint's allocation budget per engine entry
/// (<see cref="MemoryLimitConstraint"/>), depth its recursion limit plus its native stack guard.
/// </remarks>
internal sealed partial class JavaScriptEngine : IScriptEngine, ICallContext
{
    private static readonly HashSet<string> NotHardened = ["globalThis", "plugin", "config", "log", "state", "services"];
    private readonly JavaScriptProgram _program;
    private readonly Engine _engine;
    private readonly OperationDeadlineConstraint _deadline = new();
    private long _allocated;
    private readonly ScriptLimits _limits;
    private readonly (JsValue Key, JsValue Value)[] _declared;
    private readonly Dictionary<string, JsValue> _functions = new(StringComparer.Ordinal);
    private readonly JsValue[][] _arguments = new JsValue[8][];
    private readonly List<IAsyncDisposable> _inputs = [];
    private JsValue?[] _byOperation = new JsValue?[16];
    private volatile bool _broken;

    public JavaScriptEngine(JavaScriptProgram program, ScriptEnvironment environment)
    {
        _program = program;
        _limits = environment.Limits;
        _engine = new Engine(options =>
        {
            options.Strict = true;
            options.Culture = CultureInfo.InvariantCulture;
            options.Interop.Enabled = false;
            options.Interop.AllowGetType = false;
            options.Interop.AllowSystemReflection = false;
            options.Host.StringCompilationAllowed = false;
            options.AgentCanSuspend = false;
            options.LimitMemory(_limits.MemoryBytes);
            options.Constraints.MaxRecursionDepth = _limits.MaxDepth;
            options.Constraints.StackOverflowGuard = true;
            options.Constraints.RegexTimeout = _limits.Timeout ?? ScriptLimits.FallbackTimeout;
            options.Constraint(_deadline);
        });
        Reader = new JsReader(_limits.MaxOutputBytes, _limits.MaxDepth);
        Streams = new JsStreams(_engine);

        _declared = [];
        try
        {
            var builtIns = GlobalNames().Where(n => !NotHardened.Contains(n)).ToList();
            ScriptGlobals.Install(_engine, environment, this);
            Run(_limits.Timeout ?? ScriptLimits.FallbackTimeout, "the script's top level", () => _engine.Execute(program.Script));
            var declared = GlobalNames().Where(n => !NotHardened.Contains(n) && !builtIns.Contains(n)).ToList();

            // The host's own bounded work, not the script's: not held to the call's timeout (a loaded machine may take long).
            Run(Timeout.InfiniteTimeSpan, "the sandbox's lockdown", () => Lockdown.Harden(_engine, builtIns, declared));
            _declared = [.. declared.Select(n => ((JsValue)JsString.Create(n), _engine.Global.Get(n)))];
        }
        catch
        {
            _engine.Dispose();
            throw;
        }
    }

    public bool IsUsable => !_broken;

    /// <summary>Gets what the last call allocated, as the memory limit counts it (Jint's limit is an allocation budget per call).</summary>
    public long MemoryBytes => Interlocked.Read(ref _allocated);

    public CancellationToken Token { get; private set; }

    public JsReader Reader { get; }

    private JsStreams Streams { get; }

    public bool HasFunction(string name) => Resolve(name) is Jint.Native.Function.Function;

    public ValueTask<object?> InvokeAsync(ScriptOperation operation, object?[] values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(values);
        if (_program.Offloads || operation.Descriptor.StreamsInput)
        {
            return new ValueTask<object?>(Task.Run(() => Invoke(operation, values, cancellationToken), CancellationToken.None));
        }

        try
        {
            return ValueTask.FromResult(Invoke(operation, values, cancellationToken));
        }
        catch (Exception ex) when (ex is ScriptException or OperationCanceledException)
        {
            return ValueTask.FromException<object?>(ex);
        }
    }

    public async IAsyncEnumerable<object?> InvokeStreamAsync(ScriptOperation operation, object?[] values, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(values);
        var offload = _program.Offloads || operation.Descriptor.StreamsInput;
        var iterator = await Step(offload, () => Open(operation, values, cancellationToken)).ConfigureAwait(false);
        var completed = false;
        try
        {
            while (true)
            {
                var (done, item) = await Step(offload, () => Next(operation, iterator)).ConfigureAwait(false);
                if (done)
                {
                    completed = true;
                    yield break;
                }

                yield return item;
            }
        }
        finally
        {
            await Step(offload, () => Close(iterator, completed)).ConfigureAwait(false);
        }
    }

    public ValueTask<object?> CallFunctionAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_program.Offloads)
        {
            return new ValueTask<object?>(Task.Run(() => CallFunction(name, cancellationToken), CancellationToken.None));
        }

        try
        {
            return ValueTask.FromResult(CallFunction(name, cancellationToken));
        }
        catch (Exception ex) when (ex is ScriptException or OperationCanceledException)
        {
            return ValueTask.FromException<object?>(ex);
        }
    }

    public void Dispose()
    {
        _broken = true;
        _engine.Dispose();
    }

    private object? Invoke(ScriptOperation operation, object?[] values, CancellationToken cancellationToken)
    {
        var function = Function(operation);
        var arguments = Arguments(operation.Parameters.Count);
        Begin(cancellationToken);
        try
        {
            Fill(arguments, operation, values, cancellationToken);
            var result = _engine.Invoke(function, JsValue.Undefined, arguments);
            return operation.Result is { } shape ? Reader.Read(result, shape, operation.ResultAllowsNull, operation.Function, "result") : null;
        }
        catch (Exception ex) when (Failure(ex, operation.Function) is { } failure)
        {
            throw failure;
        }
        finally
        {
            Array.Clear(arguments);
            End();
        }
    }

    private object? CallFunction(string name, CancellationToken cancellationToken)
    {
        if (Resolve(name) is not Jint.Native.Function.Function)
        {
            return null;
        }

        object? result = null;
        Run(Timeout.InfiniteTimeSpan, name, () => result = JsPlain.From(_engine.Invoke(_functions[name], JsValue.Undefined, []), 0), cancellationToken);
        return result;
    }

    /// <summary>Runs script code as one call (deadline armed, globals put back after), its failures as the call's.</summary>
    private void Run(TimeSpan budget, string function, Action action, CancellationToken cancellationToken = default)
    {
        Begin(cancellationToken, budget);
        try
        {
            action();
        }
        catch (Exception ex) when (Failure(ex, function) is { } failure)
        {
            throw failure;
        }
        finally
        {
            End();
        }
    }

    private void Begin(CancellationToken cancellationToken, TimeSpan? budget = null)
    {
        Token = cancellationToken;
        _allocated = -GC.GetAllocatedBytesForCurrentThread();
        _deadline.Begin(budget ?? Timeout.InfiniteTimeSpan, cancellationToken);
    }

    private void End()
    {
        _deadline.End();
        // A stream's steps may end on another thread than they began: then the count is not this call's, and says nothing.
        Interlocked.Exchange(ref _allocated, Math.Max(0, _allocated + GC.GetAllocatedBytesForCurrentThread()));
        Token = default;
        foreach (var input in _inputs)
        {
            input.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _inputs.Clear();

        // Nothing can be added to the global object (Lockdown): only the script's own declarations may have changed.
        foreach (var (key, value) in _declared)
        {
            _engine.Global.Set(key, value);
        }
    }

    private IEnumerable<string> GlobalNames() => _engine.Global.GetOwnPropertyKeys(Types.String).Select(k => k.ToString());

    private void Fill(JsValue[] arguments, ScriptOperation operation, object?[] values, CancellationToken cancellationToken)
    {
        var parameters = operation.Descriptor.Parameters;
        for (var i = 0; i < arguments.Length; i++)
        {
            if (parameters[i].IsStream && values[i] is IAsyncEnumerable<object?> items)
            {
                var enumerator = items.GetAsyncEnumerator(cancellationToken);
                _inputs.Add(enumerator);
                arguments[i] = Streams.Input(enumerator, operation.Parameters[i]);
            }
            else
            {
                arguments[i] = JsMessages.ToJs(_engine, i < values.Length ? values[i] : null, operation.Parameters[i]);
            }
        }
    }

    private JsValue Function(ScriptOperation operation)
    {
        if (operation.Id < _byOperation.Length && _byOperation[operation.Id] is { } known)
        {
            return known;
        }

        var function = Resolve(operation.Function) as JsValue;
        if (function is not Jint.Native.Function.Function)
        {
            throw new ScriptException($"{_program.Source.Name} defines no function {operation.Function} (for {operation.Descriptor}).");
        }

        if (operation.Id >= _byOperation.Length)
        {
            Array.Resize(ref _byOperation, Math.Max(operation.Id + 1, _byOperation.Length * 2));
        }

        _byOperation[operation.Id] = function;
        return function;
    }

    /// <summary>Finds a global function: a declaration (a global object's property) or a top-level <c>const</c>/<c>let</c>.</summary>
    private JsValue Resolve(string name)
    {
        if (_functions.TryGetValue(name, out var known))
        {
            return known;
        }

        var value = _engine.Global.Get(name);
        if (value.IsUndefined() && IsIdentifier(name))
        {
            try
            {
                value = _engine.Evaluate(name);
            }
            catch (JavaScriptException)
            {
                value = JsValue.Undefined; // not declared
            }
        }

        _functions[name] = value;
        return value;
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsLetter(name[0]) || name[0] is '_' or '$') && name.All(c => char.IsLetterOrDigit(c) || c is '_' or '$');

    private JsValue[] Arguments(int count) =>
        count < _arguments.Length ? _arguments[count] ??= new JsValue[count] : new JsValue[count];
}
