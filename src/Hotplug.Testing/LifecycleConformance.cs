using System.Text.Json.Nodes;
using Hotplug.TestContracts;
using Xunit;

namespace Hotplug.Testing;

/// <summary>The kit's cases on a version's life: its status and contracts, its health, a start that fails, a crash.</summary>
public abstract class LifecycleConformance : CallConformance
{
    /// <summary>A serving plugin's status names its version, runtime, state and the contracts its manifest lists.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Status_ServingPlugin_ShowsVersionRuntimeStateAndContracts()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");

        var status = host.Plugins.GetPlugin("echo");

        Assert.NotNull(status);
        Assert.Equal("1.0.0", status.Version);
        Assert.Equal(Runtime, status.Runtime);
        Assert.Equal(PluginState.Healthy, status.State);
        Assert.Equal(Contracts, status.Contracts);
        Assert.Null(status.LastError);
        Assert.Contains(host.Plugins.GetPlugins(), p => p.Id == "echo");
    }

    /// <summary>A plugin that reports itself degraded is shown degraded with its reason, and healthy again once it recovers.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Health_ReportedDegraded_ShownWithTheReasonThenRecovers()
    {
        await using var host = await StartHostAsync(o => o.HealthCheckInterval = TimeSpan.FromMilliseconds(100));
        var degraded = host.WaitForAsync("echo", PluginVersionState.Degraded, "1.0.0");
        Install(host, "echo", Manifest("echo", "1.0.0", new JsonObject { ["mode"] = "degraded", ["reason"] = "cache is cold" }));

        var change = await degraded;

        Assert.Contains("cache is cold", change.Reason, StringComparison.Ordinal);
        Assert.Equal(PluginState.Degraded, host.Plugins.GetPlugin("echo")!.State);
        Assert.Contains("cache is cold", host.Plugins.GetPlugin("echo")!.LastError, StringComparison.Ordinal);

        // Degraded, it serves; once it says it recovered, the next check shows it healthy.
        var echo = host.Plugins.Get<IEcho>("echo");
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        Assert.Equal("recovered", (await echo.EchoAsync(new EchoRequest("recover"))).Text);
        await healthy;

        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("echo")!.State);
        Assert.Null(host.Plugins.GetPlugin("echo")!.LastError); // why it was degraded no longer holds
        Assert.Equal("ok", (await echo.EchoAsync(new EchoRequest("ok"))).Text);
    }

    /// <summary>A first version that fails to start is on record with why, and calls to it are refused as unavailable.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Start_FirstVersionFails_FailedWithTheReasonAndCallsRefused()
    {
        await using var host = await StartHostAsync();
        var failed = host.WaitForAsync(c => c.PluginId == "echo" && c.VersionState is PluginVersionState.Failed or PluginVersionState.Rejected);
        Install(host, "echo", Manifest("echo", "1.0.0", new JsonObject { ["mode"] = "throw-on-start" }));

        var change = await failed;

        Assert.Contains("configured to fail on start", change.Reason, StringComparison.Ordinal);
        var status = host.Plugins.GetPlugin("echo")!;
        Assert.Equal(PluginState.Failed, status.State);
        Assert.Contains("configured to fail on start", status.LastError, StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<PluginUnavailableException>(() => host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x")).AsTask());
        Assert.Equal("echo", error.PluginId);
    }

    /// <summary>A new version that fails to start leaves the last good version serving, and the failure on record.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Start_NewVersionFails_LastGoodVersionKeepsServing()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");

        var failed = host.WaitForAsync("echo", PluginVersionState.Failed, "2.0.0");
        WriteVersion(host, "echo", "2.0.0", new JsonObject { ["mode"] = "throw-on-start" });
        var change = await failed;

        Assert.Contains("configured to fail on start", change.Reason, StringComparison.Ordinal);
        Assert.Equal("1.0.0", (await echo.EchoAsync(new EchoRequest("x"))).Version);
        var status = host.Plugins.GetPlugin("echo")!;
        Assert.Equal("1.0.0", status.Version);
        Assert.Equal(PluginState.Healthy, status.State);
        Assert.Contains(status.PreviousVersions, v => v.Version == "2.0.0" && v.State == PluginVersionState.Failed);
    }

    /// <summary>
    /// A plugin that dies mid-call fails that call with a <see cref="PluginCrashedException"/>, and comes back: the next
    /// calls are served. A runtime that cannot survive a crash (<see cref="ConformanceCapabilities.SurvivesCrash"/>) skips it.
    /// </summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Crash_MidCall_CallerGetsCrashedAndThePluginServesAgain()
    {
        if (!Capabilities.SurvivesCrash)
        {
            return;
        }

        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");

        var crashed = await Assert.ThrowsAsync<PluginCrashedException>(() => echo.EchoAsync(new EchoRequest("crash")).AsTask());

        Assert.Equal("echo", crashed.PluginId);
        Assert.Equal("1.0.0", crashed.Version);
        var reply = await ServedAgainAsync(echo);
        Assert.Equal("1.0.0", reply.Version);
        Assert.Equal("ok", reply.Text);
    }

    /// <summary>Calls until one is served: while the plugin comes back, calls fail fast as crashed or unavailable.</summary>
    private static async Task<EchoReply> ServedAgainAsync(IEcho echo)
    {
        using var guard = new CancellationTokenSource(KitHost.HangGuard);
        while (true)
        {
            try
            {
                return await echo.EchoAsync(new EchoRequest("ok"), guard.Token);
            }
            catch (Exception e) when (e is PluginCrashedException or PluginUnavailableException && !guard.IsCancellationRequested)
            {
                // Polled: nothing says when a restarted plugin is back but a call it serves.
                await Task.Delay(10, guard.Token);
            }
        }
    }
}
