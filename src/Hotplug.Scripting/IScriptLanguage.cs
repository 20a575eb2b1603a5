using Hotplug.Scripting.Messages;

namespace Hotplug.Scripting;

/// <summary>
/// A script language: what a script runtime (<see cref="ScriptRuntime"/>) needs of it. It compiles a version's
/// source once (<see cref="Compile"/>); the program makes the version's engines, each of which runs one call at a time.
/// </summary>
public interface IScriptLanguage
{
    /// <summary>Gets the runtime's name, as manifests write it: <c>lua</c>, <c>javascript</c>.</summary>
    string Name { get; }

    /// <summary>Parses or compiles a version's source, once: every engine of the version shares what this returns.</summary>
    /// <param name="source">The script.</param>
    /// <returns>The compiled program.</returns>
    /// <exception cref="ScriptCompileException">The source has a syntax error; the exception says where.</exception>
    IScriptProgram Compile(ScriptSource source);
}

/// <summary>A version's compiled script, shared by its engines.</summary>
public interface IScriptProgram : IDisposable
{
    /// <summary>Makes an engine: a new interpreter that ran the script's top level with <paramref name="environment"/>'s globals.</summary>
    /// <param name="environment">What the script sees, and its limits.</param>
    /// <returns>The engine, ready for calls.</returns>
    /// <exception cref="ScriptException">The script's top level failed.</exception>
    IScriptEngine CreateEngine(ScriptEnvironment environment);
}

/// <summary>
/// One interpreter of a version: it runs one call at a time, and leaves nothing of a call for the next (what the
/// call set in the script's globals is gone). An engine that was interrupted or broke a limit says so through
/// <see cref="IsUsable"/>, and the pool discards it.
/// </summary>
public interface IScriptEngine : IDisposable
{
    /// <summary>Gets whether the engine may serve another call: <see langword="false"/> once interrupted, past a limit, or left in a state it cannot reset.</summary>
    bool IsUsable { get; }

    /// <summary>Gets the memory the engine holds, in bytes, as its allocator or limit counts it.</summary>
    long MemoryBytes { get; }

    /// <summary>Returns whether the script defines a function of that name.</summary>
    /// <param name="name">The function's name.</param>
    /// <returns><see langword="true"/> when it does.</returns>
    bool HasFunction(string name);

    /// <summary>Calls an operation that produces one result (unary, or a stream sent to the script).</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="values">Its values, in the order of its parameters; a stream parameter as an <see cref="IAsyncEnumerable{T}"/> of <see cref="object"/>.</param>
    /// <param name="cancellationToken">Cancelled at the call's deadline or by its caller: the engine interrupts the script and becomes unusable.</param>
    /// <returns>The result, a value of the operation's result type; <see langword="null"/> for an operation without one.</returns>
    /// <exception cref="ScriptException">The script raised an error, or returned a value that does not fit (<see cref="ScriptValueException"/>).</exception>
    /// <exception cref="ScriptLimitException">The call broke a limit.</exception>
    ValueTask<object?> InvokeAsync(ScriptOperation operation, object?[] values, CancellationToken cancellationToken);

    /// <summary>Calls an operation that produces a stream.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="values">Its values.</param>
    /// <param name="cancellationToken">Cancelled at the call's deadline or by its caller.</param>
    /// <returns>The items, of the operation's result type.</returns>
    IAsyncEnumerable<object?> InvokeStreamAsync(ScriptOperation operation, object?[] values, CancellationToken cancellationToken);

    /// <summary>Calls one of the script's own functions without arguments: <c>start</c>, <c>stop</c>, <c>health</c>.</summary>
    /// <param name="name">The function.</param>
    /// <param name="cancellationToken">Cancelled at the deadline.</param>
    /// <returns>What it returned, as plain values: <see langword="null"/>, <see cref="bool"/>, <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, or a dictionary of them by text key.</returns>
    ValueTask<object?> CallFunctionAsync(string name, CancellationToken cancellationToken);
}

/// <summary>A version's script source.</summary>
/// <param name="Name">The script's path in its package, such as <c>rules.lua</c>, for messages.</param>
/// <param name="FullPath">The file in the version's store copy.</param>
/// <param name="Text">The source.</param>
public sealed record ScriptSource(string Name, string FullPath, string Text);

/// <summary>One operation of a contract as a script implements it: the function to call and the shapes of its values.</summary>
public sealed class ScriptOperation
{
    internal ScriptOperation(Hotplug.Contracts.OperationDescriptor descriptor, int id)
    {
        Descriptor = descriptor;
        Id = id;
        Function = ScriptNames.Function(descriptor);
        Parameters = [.. descriptor.Parameters.Select(p => MessageShape.For(p.ItemType ?? p.Type))];
        Result = descriptor.ResultType is { } result ? MessageShape.For(result) : null;
    }

    /// <summary>Gets the contract layer's operation.</summary>
    public Hotplug.Contracts.OperationDescriptor Descriptor { get; }

    /// <summary>Gets a number unique among the operations of the runtime's versions, for engines that keep per-operation caches in arrays.</summary>
    public int Id { get; }

    /// <summary>Gets the script function that implements it (<see cref="ScriptNames.Function"/>).</summary>
    public string Function { get; }

    /// <summary>Gets each parameter's shape (of a stream parameter, its items' shape), in order.</summary>
    public IReadOnlyList<MessageShape> Parameters { get; }

    /// <summary>Gets the shape of the result (of a stream, its items'); <see langword="null"/> for an operation without one.</summary>
    public MessageShape? Result { get; }

    /// <summary>Gets whether the result (each item of a stream) may be <see langword="null"/>.</summary>
    public bool ResultAllowsNull => Result is null || Result.IsNullableValue || (!Result.Type.IsValueType && Descriptor.ResultNullability != System.Reflection.NullabilityState.NotNull);

    /// <inheritdoc />
    public override string ToString() => Function;
}
