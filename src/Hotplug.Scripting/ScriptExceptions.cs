namespace Hotplug.Scripting;

/// <summary>A script raised an error, or a script's value did not fit: what the caller of the contract sees, wrapped by the host as the plugin's failure.</summary>
public class ScriptException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, naming the function (and file and line when known).</param>
    /// <param name="innerException">The engine's exception, if any.</param>
    public ScriptException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A script returned (or was given) a value that does not fit the contract's message type.</summary>
public sealed class ScriptValueException : ScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="function">The script function.</param>
    /// <param name="path">Where in the value: <c>result.items[3].score</c>.</param>
    /// <param name="problem">What is wrong: "expected a number, got text".</param>
    public ScriptValueException(string function, string path, string problem)
        : base($"{function} returned a value that does not fit at {path}: {problem}.")
    {
        Function = function;
        Path = path;
    }

    /// <summary>Gets the script function.</summary>
    public string Function { get; }

    /// <summary>Gets where in the value the problem is.</summary>
    public string Path { get; }
}

/// <summary>A script does not compile: the file, line and column, and the parser's message.</summary>
public sealed class ScriptCompileException : ScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The script's path in its package.</param>
    /// <param name="line">The line, from 1; 0 when unknown.</param>
    /// <param name="column">The column, from 1; 0 when unknown.</param>
    /// <param name="error">The parser's message.</param>
    /// <param name="innerException">The engine's exception, if any.</param>
    public ScriptCompileException(string file, int line, int column, string error, Exception? innerException = null)
        : base($"{file}({line},{column}): {error}", innerException)
    {
        File = file;
        Line = line;
        Column = column;
        Error = error;
    }

    /// <summary>Gets the script's path in its package.</summary>
    public string File { get; }

    /// <summary>Gets the line, from 1.</summary>
    public int Line { get; }

    /// <summary>Gets the column, from 1.</summary>
    public int Column { get; }

    /// <summary>Gets the parser's message.</summary>
    public string Error { get; }
}

/// <summary>What limit a call broke.</summary>
public enum ScriptLimit
{
    /// <summary>The call ran past its timeout and was interrupted.</summary>
    Timeout,

    /// <summary>The engine needed more memory than <c>limits.memoryMb</c>.</summary>
    Memory,

    /// <summary>Calls nested deeper than <c>limits.depth</c>, or the stack overflowed.</summary>
    Depth,

    /// <summary>The returned message was larger than <c>limits.outputKb</c>.</summary>
    Output,
}

/// <summary>A call broke one of its limits; the engine that ran it is discarded.</summary>
public sealed class ScriptLimitException : ScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="limit">The limit.</param>
    /// <param name="message">What happened, naming the function and the limit's value.</param>
    /// <param name="innerException">The engine's exception, if any.</param>
    public ScriptLimitException(ScriptLimit limit, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Limit = limit;
    }

    /// <summary>Gets the limit broken.</summary>
    public ScriptLimit Limit { get; }
}

/// <summary>Every engine of a script version is busy and its queue of waiting calls is full: the call is refused at once.</summary>
public sealed class ScriptPoolFullException : PluginException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="pluginId">The plugin.</param>
    /// <param name="version">The version.</param>
    /// <param name="engines">Its engines, all busy.</param>
    /// <param name="queue">Its queue's length, full.</param>
    public ScriptPoolFullException(string pluginId, string version, int engines, int queue)
        : base($"Plugin '{pluginId}' {version}: all {engines} script engines are busy and {queue} calls already wait; refused. Raise entry.pool.max or entry.pool.queue, or call less.", pluginId, version)
    {
    }
}
