using Jint.Runtime;

namespace Hotplug.Scripting.JavaScript;

/// <summary>How Jint's failures reach the pool and the caller.</summary>
internal sealed partial class JavaScriptEngine
{
    /// <summary>
    /// Turns an engine failure into what the core expects, and marks the engine unusable when the failure was an
    /// interruption or a limit: the script's own error is a <see cref="ScriptException"/> with its message, file, line
    /// and column (the engine serves on); the deadline or the caller's cancellation is an
    /// <see cref="OperationCanceledException"/>; a limit is a <see cref="ScriptLimitException"/> saying which.
    /// </summary>
    /// <returns>The exception to throw instead, or <see langword="null"/> to let <paramref name="exception"/> go as it is.</returns>
    private Exception? Failure(Exception exception, string function)
    {
        switch (exception)
        {
            case ScriptLimitException:
                _broken = true;
                return null;
            case ScriptException:
                return null;
            case OperationCanceledException:
                _broken = true;
                return null;
            case ExecutionCanceledException:
                _broken = true;
                return new OperationCanceledException($"{function} was interrupted.", exception, Token);
            case TimeoutException:
                _broken = true;
                return new ScriptLimitException(ScriptLimit.Timeout, $"{function} ran past its time and was interrupted.", exception);
            case MemoryLimitExceededException:
                _broken = true;
                return new ScriptLimitException(ScriptLimit.Memory, $"{function} allocated more than {_limits.MemoryBytes / (1024 * 1024)} MB (limits.memoryMb).", exception);
            case RecursionDepthOverflowException:
                _broken = true;
                return new ScriptLimitException(ScriptLimit.Depth, $"{function} nested calls deeper than {_limits.MaxDepth} (limits.depth).", exception);
            case JavaScriptException js when js.Error is Jint.Native.Object.ObjectInstance error
                && error.Get("name").ToString() == "RangeError" && js.Message.Contains("call stack", StringComparison.OrdinalIgnoreCase):
                _broken = true;
                return new ScriptLimitException(ScriptLimit.Depth, $"{function} ran out of stack: {js.Message}", exception);
            case JavaScriptException js:
                return new ScriptException($"{function}: {js.Message}{Where(js)}", exception);
            default:
                _broken = true;
                return new ScriptException($"{function}: the JavaScript engine failed: {exception.Message}", exception);
        }
    }

    private static string Where(JavaScriptException exception)
    {
        var location = exception.Location;
        return string.IsNullOrEmpty(location.SourceFile) || location.Start.Line == 0
            ? string.Empty
            : $" ({location.SourceFile}:{location.Start.Line}:{location.Start.Column + 1})";
    }
}
