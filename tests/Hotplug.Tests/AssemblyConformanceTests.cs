using System.Text.Json.Nodes;
using Hotplug.Testing;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

/// <summary>The conformance kit against the assembly runtime: EchoPlugin in a collectible load context.</summary>
public sealed class AssemblyConformanceTests : RuntimeConformanceTests
{
    protected override string Runtime => "assembly";

    /// <summary>In the host's process, a plugin that ends its process ends the host: no crash case.</summary>
    protected override ConformanceCapabilities Capabilities { get; } = new() { SurvivesCrash = false };

    /// <summary>The assembly runtime is registered by <c>AddHotplug()</c>.</summary>
    protected override void AddRuntime(IHotplugBuilder builder)
    {
    }

    protected override JsonObject CreateEntry() => new() { ["assembly"] = "EchoPlugin.dll", ["type"] = TestPlugins.EntryType(TestPlugins.Echo) };

    protected override void CopyFiles(string folder) => TestPlugins.CopyBuild(TestPlugins.Echo, folder);
}
