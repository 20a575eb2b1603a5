using System.Text.Json.Nodes;
using Hotplug.Testing;

namespace Hotplug.Scripting.Lua.Tests;

/// <summary>
/// The conformance kit against the Lua runtime: plugins/echo.lua. Every capability holds: the script reaches the
/// host's exported services, and a "crash" (the script breaks its memory limit: a script has no way to end its
/// process) ends its engine mid-call while the host serves on with a new one.
/// </summary>
public sealed class LuaConformanceTests : RuntimeConformanceTests
{
    protected override string Runtime => "lua";

    protected override void AddRuntime(IHotplugBuilder builder) => builder.AddLuaRuntime();

    protected override JsonObject CreateEntry() => new() { ["script"] = "echo.lua", ["limits"] = new JsonObject { ["memoryMb"] = 16 } };

    protected override void CopyFiles(string folder) => File.Copy(Path.Combine(AppContext.BaseDirectory, "plugins", "echo.lua"), Path.Combine(folder, "echo.lua"));
}
