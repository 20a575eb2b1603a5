using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;
using Semver;

namespace Hotplug.Tests;

public sealed class UpgradeTests
{
    [Fact]
    public async Task Upgrade_TwentyTimesUnderEightCallers_NoCallFailsAndVersionsOnlyMoveForward()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");
        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<Exception>();
        var backwards = new ConcurrentQueue<string>();
        var calls = 0L;

        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var last = SemVersion.Parse("1.0.0", SemVersionStyles.Strict);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var reply = await echo.EchoAsync(new EchoRequest("x"));
                    var seen = SemVersion.Parse(reply.Version, SemVersionStyles.Strict);
                    if (seen.ComparePrecedenceTo(last) < 0)
                    {
                        backwards.Enqueue($"{last} then {seen}");
                    }

                    last = seen;
                    Interlocked.Increment(ref calls);
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }

                await Task.Yield();
            }
        })).ToList();

        for (var minor = 1; minor <= 20; minor++)
        {
            var version = $"1.{minor}.0";
            var unloaded = host.WaitForAsync("echo", PluginVersionState.Unloaded, $"1.{minor - 1}.0");
            var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, version);
            TestPlugins.WriteManifest(host.Folder("echo"), TestPlugins.Manifest("echo", version));
            await healthy;
            await unloaded;
        }

        await stop.CancelAsync();
        await Task.WhenAll(callers);

        Assert.Empty(failures);
        Assert.Empty(backwards);
        Assert.True(Interlocked.Read(ref calls) > 0);
        Assert.Equal("1.20.0", (await echo.EchoAsync(new EchoRequest("x"))).Version);
        var status = host.Plugins.GetPlugin("echo")!;
        Assert.Equal(20, status.PreviousVersions.Count(r => r.State == PluginVersionState.Unloaded));
        Assert.DoesNotContain(status.PreviousVersions, r => r.Leaked);
    }

    [Fact]
    public async Task Upgrade_CallInFlightOnOldVersion_FinishesOnOldVersionBeforeItStops()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");

        var held = echo.HoldAsync("old-call");
        await host.Holds.WhenEntered("old-call");
        var draining = host.WaitForAsync(c => c.PluginId == "echo" && c.VersionState == PluginVersionState.Healthy && c.Version == "2.0.0");
        TestPlugins.WriteManifest(host.Folder("echo"), TestPlugins.Manifest("echo", "2.0.0"));
        await draining;

        // New calls reach 2.0.0 while 1.0.0 still has its call in flight.
        Assert.Equal("2.0.0", (await echo.EchoAsync(new EchoRequest("x"))).Version);
        Assert.Contains(host.Plugins.GetPlugin("echo")!.PreviousVersions, r => r.Version == "1.0.0" && r.State == PluginVersionState.Draining);

        var unloaded = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        host.Holds.Release("old-call");
        Assert.Equal("1.0.0", await held);
        await unloaded;
    }

    [Fact]
    public async Task Upgrade_SourceFolderOverwrittenInPlace_NewVersionRunsFromItsOwnStoreCopy()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");
        var firstStore = host.Plugins.GetPlugin("echo")!.StorePath!;

        // Overwrite every file of the loaded plugin in place, as a deploy would.
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.1");
        TestPlugins.Install(host.Folder("echo"), TestPlugins.Manifest("echo", "1.0.1", config: new JsonObject { ["greeting"] = "v2" }));
        await healthy;

        var status = host.Plugins.GetPlugin("echo")!;
        Assert.NotEqual(firstStore, status.StorePath);
        Assert.Equal("v2", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Greeting);
    }

    [Fact]
    public async Task Upgrade_CorruptFileWrittenOverSource_RejectedAndRunningVersionKeepsServing()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", config: new JsonObject { ["greeting"] = "staged" });

        var failed = host.WaitForAsync("echo", PluginVersionState.Failed, "1.0.0");
        await File.WriteAllTextAsync(Path.Combine(host.Folder("echo"), "EchoPlugin.dll"), "not an assembly");
        var failure = await failed;

        Assert.Contains("not a .NET assembly", failure.Reason);
        Assert.Equal("staged", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Greeting);
        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("echo")!.State);
    }

    [Fact]
    public async Task Upgrade_NewVersionDropsAContractCallersUse_RefusedAndOldKeepsServing()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("multi", "multi", "1.0.0", TestPlugins.OldLibrary);
        var other = host.Plugins.Get<IOther>("multi");

        var failed = host.WaitForAsync("multi", PluginVersionState.Failed, "2.0.0");
        TestPlugins.Install(host.Folder("multi"), TestPlugins.Manifest("multi", "2.0.0"), TestPlugins.Echo);
        var failure = await failed;

        Assert.Contains(typeof(IOther).FullName!, failure.Reason);
        Assert.Equal("multi@1.0.0", await other.WhoAsync());
    }

    [Fact]
    public async Task Upgrade_SameContentTouched_DoesNotRestart()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");
        var before = host.Plugins.GetPlugin("echo")!.ActiveSince;

        File.SetLastWriteTimeUtc(Path.Combine(host.Folder("echo"), "plugin.json"), DateTime.UtcNow.AddMinutes(1));
        // Folders are reconciled in ordinal order: once "marker" is loaded, the touched "echo" was looked at.
        await host.InstallAsync("marker", "marker", "1.0.0");

        Assert.Equal(before, host.Plugins.GetPlugin("echo")!.ActiveSince);
        Assert.Single(host.Changes, c => c.PluginId == "echo" && c.VersionState == PluginVersionState.Starting);
    }
}
