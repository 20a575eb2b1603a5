using Acornima;
using Acornima.Ast;
using Jint;

namespace Hotplug.Scripting.JavaScript;

/// <summary>JavaScript as Jint runs it: a version's source is parsed once, in strict mode, and shared by its engines.</summary>
internal sealed class JavaScriptLanguage : IScriptLanguage
{
    public string Name => "javascript";

    public IScriptProgram Compile(ScriptSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            return new JavaScriptProgram(Engine.PrepareScript(source.Text, source.Name, strict: true), source);
        }
        catch (ScriptPreparationException ex) when (ex.InnerException is ParseErrorException parse)
        {
            // Acornima counts columns from 0; the message gives them from 1, as editors do.
            throw new ScriptCompileException(source.Name, parse.LineNumber, parse.Column + 1, parse.Description, ex);
        }
        catch (ScriptPreparationException ex)
        {
            throw new ScriptCompileException(source.Name, 0, 0, ex.Message, ex);
        }
    }
}

/// <summary>A version's parsed script, shared by its engines (a <see cref="Prepared{T}"/> is immutable and thread-safe).</summary>
internal sealed class JavaScriptProgram(Prepared<Script> script, ScriptSource source) : IScriptProgram
{
    public Prepared<Script> Script { get; } = script;

    public ScriptSource Source { get; } = source;

    /// <summary>
    /// Gets whether calls run off the caller's thread: when the script names <c>services</c>, whose methods may return
    /// a task the engine's thread waits for. Other scripts run on the caller's thread, with no thread hop.
    /// </summary>
    public bool Offloads { get; } = source.Text.Contains("services", StringComparison.Ordinal);

    public IScriptEngine CreateEngine(ScriptEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return new JavaScriptEngine(this, environment);
    }

    public void Dispose()
    {
    }
}
