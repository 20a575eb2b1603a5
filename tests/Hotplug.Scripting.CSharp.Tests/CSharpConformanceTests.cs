using System.Text.Json.Nodes;
using Hotplug.Scripting.CSharp;
using Hotplug.Testing;

namespace Hotplug.Scripting.CSharp.Tests;

/// <summary>
/// The conformance kit against the csharp runtime: the kit's echo plugin (tests/TestPlugins/EchoPlugin) as C# source,
/// compiled when it starts, its Newtonsoft.Json named in <c>references</c>.
/// </summary>
public sealed class CSharpConformanceTests : RuntimeConformanceTests
{
    protected override string Runtime => "csharp";

    /// <summary>In the host's process, as an assembly plugin: a plugin that ends its process ends the host, so no crash case.</summary>
    protected override ConformanceCapabilities Capabilities { get; } = new() { SurvivesCrash = false };

    protected override void AddRuntime(IHotplugBuilder builder) => builder.AddCSharpScriptRuntime();

    protected override JsonObject CreateEntry() => new()
    {
        ["sources"] = new JsonArray("Echo/*.cs"),
        ["type"] = "Hotplug.TestPlugins.Echo.EchoPlugin",
        ["references"] = new JsonArray("Newtonsoft.Json"),
    };

    protected override void CopyFiles(string folder) => PluginSources.Copy("Echo", Path.Combine(folder, "Echo"));
}
