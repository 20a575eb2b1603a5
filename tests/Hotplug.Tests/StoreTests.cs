using Hotplug.Packaging;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

/// <summary>The store and the state folder: leftovers, retention, failed writes, and one host per folder.</summary>
public sealed class StoreTests
{
    [Fact]
    public async Task Start_StagingLeftoversOfAKilledHost_Removed()
    {
        string[] leftovers = [];
        await using var host = await HostFixture.StartAsync(before: h =>
        {
            // What a host killed mid-copy and mid-collection leaves.
            var store = Path.Combine(h.StatePath, "store");
            leftovers = [Path.Combine(store, ".staging-0123456789abcdef"), Path.Combine(store, ".collecting-0123456789abcdef")];
            foreach (var leftover in leftovers)
            {
                Directory.CreateDirectory(Path.Combine(leftover, "lib"));
                File.WriteAllText(Path.Combine(leftover, "lib", "half-written.dll"), "x");
            }
        });

        Assert.All(leftovers, l => Assert.False(Directory.Exists(l), l));
        await host.InstallAsync("echo", "echo", "1.0.0");
    }

    [Fact]
    public async Task Upgrade_ManyVersions_StoreKeepsTheActiveAndTheRetainedAndCollectsTheRest()
    {
        await using var host = await HostFixture.StartAsync(o => o.RetainedVersions = 1);
        await host.InstallAsync("echo", "echo", "1.0.0");

        foreach (var version in new[] { "1.1.0", "1.2.0", "1.3.0" })
        {
            var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, version);
            TestPlugins.WriteManifest(host.Folder("echo"), TestPlugins.Manifest("echo", version));
            await healthy;
        }

        await HostFixture.WaitUntilAsync(() => StoreVersions(host).Length == 2);
        Assert.Equal(["1.2.0", "1.3.0"], StoreVersions(host));
        Assert.Equal("1.3.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Upgrade_NothingRetained_DrainingVersionKeptUntilItsCallsEnd()
    {
        await using var host = await HostFixture.StartAsync(o => o.RetainedVersions = 0);
        await host.InstallAsync("echo", "echo", "1.0.0");
        var held = host.Plugins.Get<IEcho>("echo").HoldAsync("old");
        await host.Holds.WhenEntered("old");

        var second = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.1.0");
        TestPlugins.WriteManifest(host.Folder("echo"), TestPlugins.Manifest("echo", "1.1.0"));
        await second;
        var unloaded = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.1.0");
        var third = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.2.0");
        TestPlugins.WriteManifest(host.Folder("echo"), TestPlugins.Manifest("echo", "1.2.0"));
        await third;
        await unloaded;

        // 1.1.0 is gone; 1.0.0 still drains its call, so its folder stays.
        await HostFixture.WaitUntilAsync(() => StoreVersions(host).Length == 2);
        Assert.Equal(["1.0.0", "1.2.0"], StoreVersions(host));
        Assert.Contains(host.Plugins.GetPlugin("echo")!.PreviousVersions, r => r.Version == "1.0.0" && r.State == PluginVersionState.Draining);

        var drained = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        host.Holds.Release("old");
        Assert.Equal("1.0.0", await held);
        await drained;
        await HostFixture.WaitUntilAsync(() => StoreVersions(host).Length == 1);
        Assert.Equal(["1.2.0"], StoreVersions(host));
    }

    [Fact]
    public async Task Load_StoreCannotBeWritten_FailedWithItsCodeThenRetriedWithoutAFileEvent()
    {
        await using var host = await HostFixture.StartAsync(before: h =>
        {
            // A file where the plugin's store folder must go: creating it fails, as on a full or broken disk.
            Directory.CreateDirectory(Path.Combine(h.StatePath, "store"));
            File.WriteAllText(Path.Combine(h.StatePath, "store", "echo"), "in the way");
        });

        var failed = host.WaitForAsync("echo", PluginVersionState.Failed, "1.0.0");
        TestPlugins.Install(host.Folder("echo"), TestPlugins.Manifest("echo", "1.0.0"));
        var failure = await failed;
        Assert.StartsWith(PackageErrors.StoreWriteFailed, failure.Reason);
        Assert.Contains("trying again", failure.Reason);

        // Nothing touches the plugin's folder: the host tries again on its own.
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        File.Delete(Path.Combine(host.StatePath, "store", "echo"));
        await healthy;
        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Upgrade_VersionsJsonCannotBeWritten_OldVersionStillRetiredFailureRecordedAndWrittenLater()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");
        var versions = Path.Combine(host.StatePath, "versions.json");
        Assert.Contains("1.0.0", await File.ReadAllTextAsync(versions));

        // A folder where the temporary file is written: the write really fails, even as root.
        var obstacle = versions + ".tmp";
        Directory.CreateDirectory(obstacle);
        var unloaded = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "2.0.0");
        TestPlugins.WriteManifest(host.Folder("echo"), TestPlugins.Manifest("echo", "2.0.0"));
        await healthy;
        await unloaded;

        var status = host.Plugins.GetPlugin("echo")!;
        Assert.StartsWith(PackageErrors.BookkeepingWriteFailed, status.LastError);
        Assert.Contains("versions.json", status.LastError);
        Assert.Contains("1.0.0", await File.ReadAllTextAsync(versions));

        // Once it can be written, it is, without any file event.
        Directory.Delete(obstacle);
        await HostFixture.WaitUntilAsync(() => File.ReadAllText(versions).Contains("2.0.0", StringComparison.Ordinal));
        await HostFixture.WaitUntilAsync(() => host.Plugins.GetPlugin("echo")!.LastError is null);
        Assert.Equal("2.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Start_SecondHostOnTheSameStateFolder_RefusedNamingTheFolderAndPidAndTheFirstKeepsServing()
    {
        await using var first = await HostFixture.StartAsync();
        await first.InstallAsync("echo", "echo", "1.0.0");

        var error = await Assert.ThrowsAsync<PluginException>(() => HostFixture.StartAsync(root: first.Root));

        Assert.StartsWith(PackageErrors.StateFolderInUse, error.Message);
        Assert.Contains(first.StatePath, error.Message);
        Assert.Contains($"pid {Environment.ProcessId}", error.Message);
        Assert.Equal("1.0.0", (await first.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);

        // Released when the first stops: the next host on the folder starts and serves.
        await first.StopAsync();
        Task<PluginStateChange>? healthy = null;
        await using var next = await HostFixture.StartAsync(before: h => healthy = h.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0"), root: first.Root);
        await healthy!;
    }

    /// <summary>The versions the store holds for echo, in version order.</summary>
    private static string[] StoreVersions(HostFixture host)
    {
        var folder = Path.Combine(host.StatePath, "store", "echo");
        return Directory.Exists(folder)
            ? [.. Directory.GetDirectories(folder).Select(d => Path.GetFileName(d)[..Path.GetFileName(d).LastIndexOf('-')]).Order(StringComparer.Ordinal)]
            : [];
    }
}
