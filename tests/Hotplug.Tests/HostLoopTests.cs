using System.Text.Json.Nodes;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

/// <summary>
/// The host never waits on one plugin: a plugin slow to start holds up no other folder's plugin, and a hung health
/// check delays no other plugin's. Each plugin is held by the test through the exported hold service, not by time.
/// </summary>
public sealed class HostLoopTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Start_OnePluginHeldInItsStart_AnotherFolderGoesOnlineMeanwhile()
    {
        // A long start timeout: only the test ends the slow plugin's start.
        await using var host = await HostFixture.StartAsync(o => o.StartTimeout = TimeSpan.FromMinutes(10));
        var slowEntered = host.Holds.WhenEntered("start:slow");
        TestPlugins.Install(host.Folder("slow"), TestPlugins.Manifest("slow", "1.0.0", config: new JsonObject { ["mode"] = "hold-on-start" }));
        await slowEntered.WaitAsync(Guard);

        // The slow plugin is still inside its StartAsync; a plugin added after it starts, and serves, all the same.
        await host.InstallAsync("fast", "fast", "1.0.0");

        Assert.Equal(PluginState.Starting, host.Plugins.GetPlugin("slow")!.State);
        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("fast")!.State);
        Assert.Equal("x", (await host.Plugins.Get<Hotplug.TestContracts.IEcho>("fast").EchoAsync(new("x"))).Text);

        var slowHealthy = host.WaitForAsync("slow", PluginVersionState.Healthy, "1.0.0");
        host.Holds.Release("start:slow");
        await slowHealthy;
        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("slow")!.State);
    }

    [Fact]
    public async Task Health_OneCheckHung_AnotherPluginsCheckIsAnsweredMeanwhile()
    {
        // Checks come often, and a hung one is given far longer than the test waits: were checks made one after
        // another, the second plugin's would never begin while the first one's hangs.
        await using var host = await HostFixture.StartAsync(o =>
        {
            o.HealthCheckInterval = TimeSpan.FromMilliseconds(50);
            o.HealthCheckTimeout = TimeSpan.FromMinutes(10);
        });
        var held = new JsonObject { ["mode"] = "health-holds-after-start" };
        await host.InstallAsync("hung", "hung", "1.0.0", config: held.DeepClone().AsObject());
        await host.InstallAsync("flips", "flips", "1.0.0", config: held.DeepClone().AsObject());

        // Both periodic checks are in the plugins at once.
        await host.Holds.WhenEntered("health:hung").WaitAsync(Guard);
        await host.Holds.WhenEntered("health:flips").WaitAsync(Guard);

        var degraded = host.WaitForAsync("flips", PluginVersionState.Degraded, "1.0.0");
        host.Holds.Release("health:flips");
        var change = await degraded;

        Assert.Contains("released by the test", change.Reason);
        Assert.Equal(PluginState.Degraded, host.Plugins.GetPlugin("flips")!.State);

        // The hung check is still waiting: the plugin it asks is still shown as it last answered.
        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("hung")!.State);
    }
}
