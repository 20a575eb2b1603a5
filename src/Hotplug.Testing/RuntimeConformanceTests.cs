using Hotplug.TestContracts;
using Xunit;

namespace Hotplug.Testing;

/// <summary>
/// The conformance kit: every case a runtime passes the same way, behind the same contract and router. A runtime joins by
/// deriving a sealed class that says how to register it and lay out the echo plugin (see <see cref="RuntimeConformanceBase"/>);
/// this class adds the cases on upgrades and on going offline.
/// </summary>
public abstract class RuntimeConformanceTests : LifecycleConformance
{
    /// <summary>After an upgrade, the router the caller already holds reaches the new version.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Upgrade_SameRouterReachesTheNewVersion()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");
        Assert.Equal("1.0.0", (await echo.EchoAsync(new EchoRequest("x"))).Version);

        var unloaded = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.1.0");
        WriteVersion(host, "echo", "1.1.0");
        await healthy;
        await unloaded;

        Assert.Equal("1.1.0", (await echo.EchoAsync(new EchoRequest("x"))).Version);
        Assert.Equal("1.1.0", host.Plugins.GetPlugin("echo")!.Version);
    }

    /// <summary>A call in flight during an upgrade finishes on the old version; new calls reach the new one.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Upgrade_CallInFlightFinishesOnTheOldVersionAndNewCallsReachTheNew()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");

        if (!Capabilities.ReachesHostServices)
        {
            // Nothing to hold the call open with: the plugin reports the missing host service.
            var error = await Assert.ThrowsAsync<PluginInvocationException>(() => echo.HoldAsync("upgrade"));
            Assert.Contains("IHoldService", error.Message, StringComparison.Ordinal);
            return;
        }

        // The old version holds a call open in the host's IHoldService while the new version is installed.
        var held = echo.HoldAsync("upgrade");
        await host.Holds.WhenEntered("upgrade");
        var active = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.1.0");
        WriteVersion(host, "echo", "1.1.0");
        await active;

        Assert.Equal("1.1.0", (await echo.EchoAsync(new EchoRequest("x"))).Version);
        Assert.False(held.IsCompleted);
        host.Holds.Release("upgrade");
        Assert.Equal("1.0.0", await held);
    }

    /// <summary>Callers that keep calling through an upgrade see no failed call: each is answered by the old version or the new.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Upgrade_UnderConcurrentCallers_NoCallFails()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");
        using var stop = new CancellationTokenSource();
        var callersLeft = 4;
        var allSawNew = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var callers = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            var versions = new List<string>();
            var sawNew = false;
            while (!stop.IsCancellationRequested)
            {
                var version = (await echo.EchoAsync(new EchoRequest($"caller {i}"))).Version;
                versions.Add(version);
                if (version == "1.1.0" && !sawNew)
                {
                    sawNew = true;
                    if (Interlocked.Decrement(ref callersLeft) == 0)
                    {
                        allSawNew.TrySetResult();
                    }
                }
            }

            return versions;
        })).ToList();

        var unloaded = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        WriteVersion(host, "echo", "1.1.0");
        await unloaded;
        // Every caller goes on until it has been answered by the new version; a failed call ends its loop with the error.
        await Task.WhenAny(Task.WhenAll(callers), allSawNew.Task).WaitAsync(KitHost.HangGuard);
        await stop.CancelAsync();
        var seen = await Task.WhenAll(callers);

        Assert.All(seen, versions =>
        {
            Assert.Equal("1.1.0", versions[^1]);
            Assert.All(versions, v => Assert.Contains(v, new[] { "1.0.0", "1.1.0" }));
            // Once answered by the new version, never again by the old.
            Assert.DoesNotContain("1.0.0", versions.SkipWhile(v => v == "1.0.0"));
        });
    }

    /// <summary>When the plugin's folder is deleted the plugin goes offline and calls are refused as unavailable.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Offline_FolderDeleted_CallsGetUnavailable()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");

        var offline = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        Directory.Delete(host.Folder("echo"), recursive: true);
        await offline;

        var error = await Assert.ThrowsAsync<PluginUnavailableException>(() => echo.EchoAsync(new EchoRequest("x")).AsTask());
        Assert.Equal("echo", error.PluginId);
    }

    /// <summary>Taken offline with a call in flight, the call finishes; new calls are refused as unavailable meanwhile.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Offline_CallInFlight_FinishesAndNewCallsAreRefused()
    {
        if (!Capabilities.ReachesHostServices)
        {
            // Nothing to hold a call open with: Offline_FolderDeleted_CallsGetUnavailable covers the refusal.
            return;
        }

        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");

        var held = echo.HoldAsync("offline");
        await host.Holds.WhenEntered("offline");
        var offline = host.WaitForAsync(c => c.PluginId == "echo" && c.VersionState is null && c.State == PluginState.Offline);
        var unloaded = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        Directory.Delete(host.Folder("echo"), recursive: true);
        await offline;

        var refused = await Assert.ThrowsAsync<PluginUnavailableException>(() => echo.EchoAsync(new EchoRequest("x")).AsTask());
        Assert.Equal("echo", refused.PluginId);
        Assert.False(held.IsCompleted);
        host.Holds.Release("offline");
        Assert.Equal("1.0.0", await held);
        await unloaded;
    }
}
