using System.Text.Json.Nodes;
using Hotplug.Testing;

namespace Hotplug.Scripting.JavaScript.Tests;

/// <summary>
/// The conformance kit against the javascript runtime: plugins/echo.js. Every capability is on: a script reaches the
/// host's exported services, and its "crash" (a runaway recursion past limits.depth) ends only its engine, which the
/// pool replaces, while the host serves on.
/// </summary>
public sealed class JavaScriptConformanceTests : RuntimeConformanceTests
{
    protected override string Runtime => "javascript";

    protected override void AddRuntime(IHotplugBuilder builder) => builder.AddJavaScriptRuntime();

    protected override JsonObject CreateEntry() => new() { ["script"] = "echo.js" };

    protected override void CopyFiles(string folder) => File.Copy(Path.Combine(AppContext.BaseDirectory, "plugins", "echo.js"), Path.Combine(folder, "echo.js"));
}
