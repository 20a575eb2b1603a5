using System.Text.Json.Nodes;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Process.Tests;

using TestPlugins = Hotplug.Tests.Infrastructure.TestPlugins;

/// <summary>A process plugin run as a pool of processes (<c>entry.pool</c>), through the contract router.</summary>
public sealed class ProcessPoolTests
{
    [Fact]
    public async Task Pool_OneProcessBusy_CallsGoToTheIdleOne()
    {
        await using var host = await HostFixture.StartAsync();
        await InstallAsync(host, min: 2, max: 2);
        var echo = host.Plugins.Get<IEcho>("echo");

        // Idle, the two processes take turns.
        var idle = await PidsAsync(echo, 6);
        Assert.Equal(2, idle.Distinct().Count());

        var held = echo.HoldAsync("pool-busy");
        await host.Holds.WhenEntered("pool-busy").WaitAsync(TimeSpan.FromSeconds(60));
        var busy = await PidsAsync(echo, 6);
        host.Holds.Release("pool-busy");
        await held;

        // While one holds a call, every call goes to the other.
        Assert.Single(busy.Distinct());
        Assert.Contains(busy[0], idle);
    }

    [Fact]
    public async Task Pool_EveryProcessBusy_GrowsToMaxThenShrinksBackWhenIdle()
    {
        await using var host = await HostFixture.StartAsync();
        await InstallAsync(host, min: 1, max: 2);
        var echo = host.Plugins.Get<IEcho>("echo");
        var first = Assert.Single((await PidsAsync(echo, 3)).Distinct());

        var held = echo.HoldAsync("pool-grow");
        await host.Holds.WhenEntered("pool-grow").WaitAsync(TimeSpan.FromSeconds(60));
        // The one process is busy: the next call still goes to it and a second process starts for the calls after.
        var second = first;
        await HostFixture.WaitUntilAsync(() =>
        {
            second = int.Parse(echo.EchoAsync(new EchoRequest("pid")).AsTask().GetAwaiter().GetResult().Text, System.Globalization.CultureInfo.InvariantCulture);
            return second != first;
        });
        host.Holds.Release("pool-grow");
        await held;

        // Idle past the pool's idle timeout, the added process is stopped; the first serves on.
        using var added = System.Diagnostics.Process.GetProcessById(second);
        await added.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal([first], (await PidsAsync(echo, 3)).Distinct());
        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("echo")!.State);
    }

    [Fact]
    public async Task Pool_OneProcessCrashesMidCall_CallFailsAsCrashedAndThePoolServesOn()
    {
        await using var host = await HostFixture.StartAsync();
        await InstallAsync(host, min: 2, max: 2);
        var echo = host.Plugins.Get<IEcho>("echo");

        var crashed = await Assert.ThrowsAsync<PluginCrashedException>(() => echo.EchoAsync(new EchoRequest("crash")).AsTask()).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal("echo", crashed.PluginId);
        Assert.Equal("1.0.0", crashed.Version);
        // The crashed process is restarted beside the one that never stopped, and the pool is whole again.
        await HostFixture.WaitUntilAsync(() => TryPids(echo, 4).Distinct().Count() == 2);
        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("echo")!.State);
    }

    [Fact]
    public async Task Pool_MaxBelowMin_RejectedNamingTheField()
    {
        await using var host = await HostFixture.StartAsync();
        var failed = host.WaitForAsync(c => c.PluginId == "echo" && c.VersionState is PluginVersionState.Rejected or PluginVersionState.Failed);
        var manifest = TestPlugins.Manifest("echo", "1.0.0", TestPlugins.EchoProcess);
        manifest["entry"]!["pool"] = new JsonObject { ["min"] = 3, ["max"] = 2 };
        TestPlugins.Install(host.Folder("echo"), manifest, TestPlugins.EchoProcess);

        var change = await failed;

        Assert.Contains("entry.pool.max", change.Reason, StringComparison.Ordinal);
    }

    private static async Task InstallAsync(HostFixture host, int min, int max)
    {
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        var manifest = TestPlugins.Manifest("echo", "1.0.0", TestPlugins.EchoProcess);
        manifest["entry"]!["pool"] = new JsonObject { ["min"] = min, ["max"] = max };
        TestPlugins.Install(host.Folder("echo"), manifest, TestPlugins.EchoProcess);
        await healthy;
    }

    private static List<int> TryPids(IEcho echo, int calls)
    {
        try
        {
            return PidsAsync(echo, calls).GetAwaiter().GetResult();
        }
        catch (PluginCrashedException)
        {
            // A call reached the crashed process before its exit was noticed: it failed fast, as it should.
            return [];
        }
    }

    private static async Task<List<int>> PidsAsync(IEcho echo, int calls)
    {
        var pids = new List<int>();
        for (var i = 0; i < calls; i++)
        {
            pids.Add(int.Parse((await echo.EchoAsync(new EchoRequest("pid"))).Text, System.Globalization.CultureInfo.InvariantCulture));
        }

        return pids;
    }
}
