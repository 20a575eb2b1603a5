using System.Text.Json.Nodes;
using Hotplug.Testing;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Process.Tests;

using TestPlugins = Hotplug.Tests.Infrastructure.TestPlugins;

/// <summary>The conformance kit against the process runtime: EchoProcessPlugin, a child process serving the contract over go-plugin's gRPC protocol.</summary>
public abstract class ProcessConformanceTests : RuntimeConformanceTests
{
    protected override string Runtime => "process";

    protected override IReadOnlyList<string> Contracts => ["test.echo/v1", "test.other/v1"];

    /// <summary>Gets the manifest's <c>entry.transport</c>.</summary>
    private protected abstract string Transport { get; }

    /// <summary>Gets whether the host offers the fast lane, which a .NET plugin on a Unix socket takes.</summary>
    private protected virtual bool FastLane => true;

    protected override void AddRuntime(IHotplugBuilder builder) =>
        builder.AddProcessRuntime(o =>
        {
            o.Supervision.InitialBackoff = TimeSpan.FromMilliseconds(20);
            o.FastLane = FastLane;
        });

    protected override JsonObject CreateEntry() => new()
    {
        ["executable"] = TestPlugins.EchoProcess,
        ["handshake"] = new JsonObject { ["magicCookieKey"] = "HOTPLUG_TEST_PLUGIN", ["magicCookieValue"] = "d3c4f1a0", ["protocolVersion"] = 1 },
        ["transport"] = Transport,
    };

    protected override void CopyFiles(string folder) => TestPlugins.CopyBuild(TestPlugins.EchoProcess, folder);
}

/// <summary>The kit over a Unix domain socket (<c>"transport": "unix"</c>, the default), where a .NET plugin takes the fast lane.</summary>
public sealed class UnixProcessConformanceTests : ProcessConformanceTests
{
    private protected override string Transport => "unix";
}

/// <summary>The kit over a Unix domain socket with the fast lane off: gRPC over HTTP/2 and TLS, as with a Go plugin.</summary>
public sealed class UnixGrpcProcessConformanceTests : ProcessConformanceTests
{
    private protected override string Transport => "unix";

    private protected override bool FastLane => false;
}

/// <summary>The kit with the plugin on TCP loopback (<c>"transport": "tcp"</c>), host services included.</summary>
public sealed class TcpProcessConformanceTests : ProcessConformanceTests
{
    private protected override string Transport => "tcp";
}

/// <summary>The kit with the plugin connected over its standard input and output (<c>"transport": "stdio"</c>): no host services.</summary>
public sealed class StdioProcessConformanceTests : ProcessConformanceTests
{
    private protected override string Transport => "stdio";

    protected override ConformanceCapabilities Capabilities { get; } = new() { ReachesHostServices = false };
}
