using System.Text.Json.Nodes;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

public sealed class FailureTests
{
    [Theory]
    [InlineData("throw-on-start", "configured to fail on start")]
    [InlineData("unhealthy", "configured to be unhealthy")]
    [InlineData("hang-on-start", "start timeout")]
    public async Task Upgrade_NewVersionFailsToStart_OldVersionKeepsServingAndFailureIsOnRecord(string mode, string expected)
    {
        await using var host = await HostFixture.StartAsync(o => o.StartTimeout = TimeSpan.FromMilliseconds(500));
        await host.InstallAsync("echo", "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");

        var failed = host.WaitForAsync("echo", PluginVersionState.Failed, "2.0.0");
        TestPlugins.WriteManifest(host.Folder("echo"), TestPlugins.Manifest("echo", "2.0.0", config: new JsonObject { ["mode"] = mode }));
        var failure = await failed;

        Assert.Contains(expected, failure.Reason);
        Assert.Equal("1.0.0", (await echo.EchoAsync(new EchoRequest("x"))).Version);
        var status = host.Plugins.GetPlugin("echo")!;
        Assert.Equal(PluginState.Healthy, status.State);
        Assert.Equal("1.0.0", status.Version);
        Assert.Contains(expected, status.LastError);
        Assert.Contains(status.PreviousVersions, r => r.Version == "2.0.0" && r.State == PluginVersionState.Failed);
    }

    [Fact]
    public async Task HealthCheck_HangsWhileServing_DegradedWithinItsOwnTimeoutNotTheStartTimeout()
    {
        // A start timeout no test would wait for: the periodic check must be bounded by its own timeout.
        await using var host = await HostFixture.StartAsync(o =>
        {
            o.StartTimeout = TimeSpan.FromHours(1);
            o.HealthCheckInterval = TimeSpan.FromMilliseconds(100);
            o.HealthCheckTimeout = TimeSpan.FromMilliseconds(500);
        });
        var degraded = host.WaitForAsync("echo", PluginVersionState.Degraded, "1.0.0");

        await host.InstallAsync("echo", "echo", "1.0.0", config: new JsonObject { ["mode"] = "health-hangs-after-start" });
        var change = await degraded;

        Assert.Contains("did not answer within 0.5 s", change.Reason);
        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Load_FirstVersionThrowsFromStart_PluginFailedAndOthersServe()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("good", "good", "1.0.0");

        var failed = host.WaitForAsync("bad", PluginVersionState.Failed);
        TestPlugins.Install(host.Folder("bad"), TestPlugins.Manifest("bad", "1.0.0", config: new JsonObject { ["mode"] = "throw-on-start" }));
        await failed;

        Assert.Equal(PluginState.Failed, host.Plugins.GetPlugin("bad")!.State);
        await Assert.ThrowsAsync<PluginUnavailableException>(() => host.Plugins.Get<IEcho>("bad").EchoAsync(new EchoRequest("x")).AsTask());
        Assert.Equal("x", (await host.Plugins.Get<IEcho>("good").EchoAsync(new EchoRequest("x"))).Text);
    }

    [Fact]
    public async Task Call_PluginThrows_CallerGetsInvocationExceptionNamingPluginAndHostKeepsServing()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.4.2");
        var echo = host.Plugins.Get<IEcho>("echo");

        var error = await Assert.ThrowsAsync<PluginInvocationException>(() => echo.EchoAsync(new EchoRequest("throw")).AsTask());

        Assert.Equal("echo", error.PluginId);
        Assert.Equal("1.4.2", error.Version);
        Assert.Equal("EchoAsync", error.Method);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Contains("echo was asked to throw", error.Message);
        Assert.Equal("ok", (await echo.EchoAsync(new EchoRequest("ok"))).Text);
        Assert.Equal(0, host.Plugins.GetPlugin("echo")!.InFlight);
    }

    [Fact]
    public async Task Call_PluginHangsPastCallTimeout_CallerGetsTimeoutAndOtherCallsServe()
    {
        await using var host = await HostFixture.StartAsync();
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy);
        var manifest = TestPlugins.Manifest("echo", "1.0.0");
        manifest["callTimeout"] = "200ms";
        manifest["drainTimeout"] = "200ms";
        TestPlugins.Install(host.Folder("echo"), manifest);
        await healthy;
        var echo = host.Plugins.Get<IEcho>("echo");

        var timeout = await Assert.ThrowsAsync<PluginTimeoutException>(() => echo.EchoAsync(new EchoRequest("hang")).AsTask());

        Assert.Equal("echo", timeout.PluginId);
        Assert.Equal(TimeSpan.FromMilliseconds(200), timeout.Timeout);
        Assert.Equal("fine", (await echo.EchoAsync(new EchoRequest("fine"))).Text);
        // The hung call is still counted: it never finished.
        Assert.Equal(1, host.Plugins.GetPlugin("echo")!.InFlight);
    }

    [Fact]
    public async Task Call_CallerCancels_CancellationReachesThePlugin()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");
        using var cts = new CancellationTokenSource();

        var call = echo.EchoAsync(new EchoRequest("wait"), cts.Token).AsTask();
        Assert.Equal(1, host.Plugins.GetPlugin("echo")!.InFlight);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        // The plugin's own task ends only when the token reached it; then the call is counted out.
        await HostFixture.WaitUntilAsync(() => host.Plugins.GetPlugin("echo")!.InFlight == 0);
    }

    [Fact]
    public async Task Stop_PluginThrowsFromStop_UpgradeStillCompletesAndReasonIsRecorded()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", config: new JsonObject { ["mode"] = "throw-on-stop" });

        var unloaded = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        TestPlugins.WriteManifest(host.Folder("echo"), TestPlugins.Manifest("echo", "1.1.0"));
        var change = await unloaded;

        Assert.Contains("configured to fail on stop", change.Reason);
        Assert.Equal("1.1.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }
}
