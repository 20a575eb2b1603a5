using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Hotplug.Scripting.JavaScript.Tests;

/// <summary>A script's start(), health() and stop().</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Start_Throws_VersionFailsWithTheScriptsMessage()
    {
        await using var host = await TestHost.StartAsync();
        var failed = host.WaitForAsync(c => c.PluginId == "starting" && c.VersionState == PluginVersionState.Failed);

        host.Install("starting", Scripts.Probe, config: new JsonObject { ["mode"] = "fail-start", ["reason"] = "no database" });

        Assert.Contains("start refused: no database", (await failed).Reason, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PluginUnavailableException>(() => host.Plugins.Get<IProbe>("starting").ProbeAsync(new ProbeRequest("ok")).AsTask());
    }

    [Theory]
    [InlineData("text", PluginVersionState.Degraded, "cache is cold")]
    [InlineData("object", PluginVersionState.Degraded, "half the replicas answer")]
    public async Task Health_Degraded_ShownWithTheScriptsReason(string health, PluginVersionState state, string reason)
    {
        await using var host = await TestHost.StartAsync(o => o.HealthCheckInterval = TimeSpan.FromMilliseconds(100));
        var changed = host.WaitForAsync(c => c.PluginId == "health" && c.VersionState == state);

        host.Install("health", Scripts.Probe, config: new JsonObject { ["health"] = health });

        Assert.Contains(reason, (await changed).Reason, StringComparison.Ordinal);
        Assert.Equal(PluginState.Degraded, host.Plugins.GetPlugin("health")!.State);
    }

    [Fact]
    public async Task Health_False_NeverServes()
    {
        await using var host = await TestHost.StartAsync();
        var failed = host.WaitForAsync(c => c.PluginId == "health" && c.VersionState is PluginVersionState.Failed);

        host.Install("health", Scripts.Probe, config: new JsonObject { ["health"] = "false" });

        Assert.Contains("health() returned false", (await failed).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_RunsWhenTheVersionGoesOffline()
    {
        await using var host = await TestHost.StartAsync();
        await host.InstallAsync("stopping", Scripts.Probe);
        var unloaded = host.WaitForAsync("stopping", PluginVersionState.Unloaded);

        Directory.Delete(host.Folder("stopping"), recursive: true);
        await unloaded;

        Assert.Contains((LogLevel.Information, "stopping stopping"), host.Logs.Entries.Select(e => (e.Level, e.Text)));
    }
}
