using System.Reflection;
using System.Text.Json.Nodes;
using Hotplug.Testing;

namespace Hotplug.Bus.Tests;

/// <summary>
/// The conformance kit against the bus runtime: EchoBusMember, launched by the runtime from the package as a member
/// process, admitted by its launch ticket on an encrypted bus (a trust folder with no keys in it), serving the kit's echo
/// plugin over request/reply. No host services cross the bus, and request/reply carries no streams.
/// </summary>
public sealed class BusConformanceTests : RuntimeConformanceTests
{
    private static readonly string TestPlugins = typeof(BusConformanceTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "TestPluginsPath").Value!;

    protected override string Runtime => "bus";

    protected override ConformanceCapabilities Capabilities => new() { ReachesHostServices = false, Streams = false };

    protected override void AddRuntime(IHotplugBuilder builder)
    {
        var trusted = Directory.CreateTempSubdirectory("hotplug-bus-trust-").FullName;
        builder.AddBusRuntime(o =>
        {
            o.TrustedMembersPath = trusted;
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
            o.MemberTimeout = TimeSpan.FromSeconds(3);
        });
    }

    protected override JsonObject CreateEntry() => new() { ["launch"] = new JsonObject { ["executable"] = "EchoBusMember" } };

    protected override void CopyFiles(string folder)
    {
        var build = Path.Combine(TestPlugins, "EchoBusMember");
        foreach (var file in Directory.EnumerateFiles(build, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder, Path.GetRelativePath(build, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
