using System.Text.Json.Nodes;
using Hotplug.Hosting;
using Hotplug.Loading;
using Hotplug.Manifest;
using Hotplug.Runtimes;
using Hotplug.Store;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hotplug.Tests;

/// <summary>
/// Runs alone: what it measures (collection of every context, the process's memory) is process-wide, and
/// other tests loading and allocating beside it would be measured too.
/// </summary>
[CollectionDefinition(nameof(UnloadTests), DisableParallelization = true)]
public sealed class UnloadTestsCollection;

[Collection(nameof(UnloadTests))]
public sealed class UnloadTests
{
    /// <summary>How long one context may take to be collected: far beyond what it takes, even on a loaded machine.</summary>
    private static readonly TimeSpan CollectionGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Unload_TwoHundredLoadUnloadCycles_ContextCollectedEveryTimeAndMemoryBounded()
    {
        var folder = Path.Combine(Path.GetTempPath(), "hotplug-tests", "cycles-" + Guid.NewGuid().ToString("N")[..8]);
        TestPlugins.Install(folder, TestPlugins.Manifest("cycle", "1.0.0"));
        var manifest = ManifestReader.Read(Path.Combine(folder, "plugin.json"));
        var package = new StagedPackage(folder, "test");
        var shared = new SharedAssemblyPolicy([]);
        var exports = new EmptyServices();
        long baseline = 0;

        for (var cycle = 0; cycle < 200; cycle++)
        {
            var instance = await LoadCallAndStopAsync(manifest, package, shared, exports);
            var release = await instance.ReleaseAsync(CollectionGuard, CancellationToken.None);
            Assert.True(release.Outcome == ReleaseOutcome.Collected, $"cycle {cycle}: the load context was not collected within {CollectionGuard.TotalSeconds} s: {release.Outcome} {release.Reason}");
            if (cycle == 19)
            {
                baseline = GC.GetTotalMemory(forceFullCollection: true);
            }
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        // 180 more cycles must not hold on to their code: allow noise, not a leak of ~1 context per cycle.
        Assert.True(after - baseline < 8 * 1024 * 1024, $"memory grew by {(after - baseline) / 1024} KiB over 180 cycles");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Unload_PluginRootsItselfInAHostStatic_ReportedAsLeakedWithTheHolder()
    {
        await using var host = await HostFixture.StartAsync(o => o.UnloadTimeout = TimeSpan.FromSeconds(1));
        await host.InstallAsync("leaky", "leaky", "1.0.0", config: new JsonObject { ["mode"] = "leak" });

        var leaked = host.WaitForAsync("leaky", PluginVersionState.Leaked, "1.0.0");
        TestPlugins.WriteManifest(host.Folder("leaky"), TestPlugins.Manifest("leaky", "1.1.0"));
        var change = await leaked;

        Assert.Contains("LeakTrap.Held", change.Reason);
        var status = host.Plugins.GetPlugin("leaky")!;
        var record = Assert.Single(status.PreviousVersions, r => r.Version == "1.0.0" && r.Leaked);
        Assert.Contains("EchoPlugin", record.Reason);
        Assert.Contains("leaked", status.LastError);
        Assert.Equal("1.1.0", (await host.Plugins.Get<IEcho>("leaky").EchoAsync(new EchoRequest("x"))).Version);
        lock (LeakTrap.Held)
        {
            LeakTrap.Held.Clear();
        }
    }

    /// <summary>Loads a version, calls it and stops it, in a method of its own: nothing of the plugin stays referenced by the caller's frame.</summary>
    private static async Task<PluginInstance> LoadCallAndStopAsync(PluginManifest manifest, StagedPackage package, SharedAssemblyPolicy shared, IServiceProvider exports)
    {
        var instance = PluginInstance.Create(new AssemblyRuntime(shared), manifest, package, NullLogger.Instance, exports, TimeSpan.FromSeconds(5), TimeProvider.System);
        await instance.StartAsync(CancellationToken.None);
        var echo = (IEcho)instance.GetContract(typeof(IEcho))!;
        Assert.Equal("cycle", (await echo.EchoAsync(new EchoRequest("x"))).PluginId);
        Assert.Null(await instance.StopAsync(TimeSpan.FromSeconds(5)));
        return instance;
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
