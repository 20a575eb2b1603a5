namespace Hotplug.Scripting.JavaScript;

/// <summary>
/// The <c>javascript</c> runtime: plugins written as JavaScript files, run by Jint in pooled, sandboxed engines with
/// time, memory, depth and output limits. Register it with <see cref="HotplugJavaScriptExtensions.AddJavaScriptRuntime"/>.
/// </summary>
public sealed class JavaScriptRuntime : ScriptRuntime
{
    /// <summary>Creates the runtime.</summary>
    public JavaScriptRuntime()
        : base(new JavaScriptLanguage())
    {
    }
}
