using System.Text.Json.Nodes;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Hotplug.Tests;

/// <summary><see cref="IPluginHost.WaitUntilLoadedAsync"/> and the health check, with real plugins in the folder at start.</summary>
public sealed class ReadinessTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task WaitUntilLoaded_PluginsInFolderAtStart_FirstCallsSucceedWithoutRetry()
    {
        await using var host = await HostFixture.StartAsync(before: h =>
        {
            TestPlugins.Install(h.Folder("a"), TestPlugins.Manifest("a", "1.0.0"));
            TestPlugins.Install(h.Folder("b"), TestPlugins.Manifest("b", "2.1.0"));
        });

        await host.Plugins.WaitUntilLoadedAsync().WaitAsync(HangGuard);

        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("a").EchoAsync(new EchoRequest("x"))).Version);
        Assert.Equal("2.1.0", (await host.Plugins.Get<IEcho>("b").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Theory]
    [InlineData("throw-on-start")]
    [InlineData("hang-on-start")]
    [InlineData("unhealthy")]
    public async Task WaitUntilLoaded_APluginFailsToStart_CompletesAndStatusSaysWhich(string mode)
    {
        await using var host = await HostFixture.StartAsync(
            o => o.StartTimeout = TimeSpan.FromMilliseconds(500),
            before: h =>
            {
                TestPlugins.Install(h.Folder("good"), TestPlugins.Manifest("good", "1.0.0"));
                TestPlugins.Install(h.Folder("bad"), TestPlugins.Manifest("bad", "1.0.0", config: new JsonObject { ["mode"] = mode }));
            });

        await host.Plugins.WaitUntilLoadedAsync().WaitAsync(HangGuard);

        Assert.Equal(PluginState.Failed, host.Plugins.GetPlugin("bad")!.State);
        Assert.Equal("x", (await host.Plugins.Get<IEcho>("good").EchoAsync(new EchoRequest("x"))).Text);
    }

    [Fact]
    public async Task WaitUntilLoaded_RejectedPackageAndFolderWithoutManifest_Completes()
    {
        await using var host = await HostFixture.StartAsync(before: h =>
        {
            TestPlugins.Install(h.Folder("good"), TestPlugins.Manifest("good", "1.0.0"));
            var broken = TestPlugins.Manifest("broken", "1.0.0");
            broken["version"] = "not-a-version";
            TestPlugins.Install(h.Folder("broken"), broken);
            Directory.CreateDirectory(h.Folder("empty"));
        });

        await host.Plugins.WaitUntilLoadedAsync().WaitAsync(HangGuard);

        Assert.Equal(PluginState.Rejected, host.Plugins.GetPlugin("broken")!.State);
        Assert.Equal("x", (await host.Plugins.Get<IEcho>("good").EchoAsync(new EchoRequest("x"))).Text);
    }

    [Fact]
    public async Task WaitUntilLoaded_EmptyFolder_Completes()
    {
        await using var host = await HostFixture.StartAsync();

        await host.Plugins.WaitUntilLoadedAsync().WaitAsync(HangGuard);

        Assert.Empty(host.Plugins.GetPlugins());
    }

    [Fact]
    public async Task WaitUntilLoaded_AwaitedBeforeStart_CompletesOnceLoaded()
    {
        Task? waiting = null;
        await using var host = await HostFixture.StartAsync(before: h =>
        {
            TestPlugins.Install(h.Folder("echo"), TestPlugins.Manifest("echo", "1.0.0"));
            waiting = h.Plugins.WaitUntilLoadedAsync();
        });

        await waiting!.WaitAsync(HangGuard);

        Assert.Equal("x", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Text);
    }

    [Fact]
    public async Task WaitUntilLoaded_HostStopsWhileAPluginStarts_Cancelled()
    {
        await using var host = await HostFixture.StartAsync(
            o => o.StartTimeout = TimeSpan.FromHours(1),
            before: h => TestPlugins.Install(h.Folder("slow"), TestPlugins.Manifest("slow", "1.0.0", config: new JsonObject { ["mode"] = "hold-on-start" })));
        await host.Holds.WhenEntered("start:slow").WaitAsync(HangGuard);
        var waiting = host.Plugins.WaitUntilLoadedAsync();

        await host.StopAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(HangGuard));
    }

    [Fact]
    public async Task HealthCheck_UnhealthyWhileLoadingThenDegradedNamingAFailedPlugin()
    {
        await using var host = await HostFixture.StartAsync(
            before: h =>
            {
                TestPlugins.Install(h.Folder("slow"), TestPlugins.Manifest("slow", "1.0.0", config: new JsonObject { ["mode"] = "hold-on-start" }));
                TestPlugins.Install(h.Folder("bad"), TestPlugins.Manifest("bad", "1.0.0", config: new JsonObject { ["mode"] = "throw-on-start" }));
            },
            hotplug: b => b.Services.AddHealthChecks().AddHotplug());
        var health = host.Services.GetRequiredService<HealthCheckService>();
        await host.Holds.WhenEntered("start:slow").WaitAsync(HangGuard);

        var loading = await health.CheckHealthAsync();
        host.Holds.Release("start:slow");
        await host.Plugins.WaitUntilLoadedAsync().WaitAsync(HangGuard);
        var loaded = await health.CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, loading.Status);
        Assert.Contains("still loading", loading.Entries["hotplug"].Description);
        Assert.Equal(HealthStatus.Degraded, loaded.Status);
        var entry = loaded.Entries["hotplug"];
        Assert.Contains("bad (Failed: ", entry.Description);
        Assert.Contains("configured to fail on start", entry.Description);
        Assert.DoesNotContain("slow", entry.Description);
        Assert.Equal("Healthy", entry.Data["slow"]);
    }

    [Fact]
    public async Task HealthCheck_AllServingAndADisabledPlugin_Healthy()
    {
        await using var host = await HostFixture.StartAsync(
            before: h =>
            {
                TestPlugins.Install(h.Folder("echo"), TestPlugins.Manifest("echo", "1.0.0"));
                var disabled = TestPlugins.Manifest("off", "1.0.0");
                disabled["enabled"] = false;
                TestPlugins.Install(h.Folder("off"), disabled);
            },
            hotplug: b => b.Services.AddHealthChecks().AddHotplug(tags: ["ready"]));
        await host.Plugins.WaitUntilLoadedAsync().WaitAsync(HangGuard);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("1 plugin(s) serving", report.Entries["hotplug"].Description);
    }
}
