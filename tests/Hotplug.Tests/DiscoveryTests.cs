using System.Text.Json.Nodes;
using Hotplug.Hosting;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

public sealed class DiscoveryTests
{
    [Fact]
    public async Task Discovery_FolderStillBeingCopied_NotLoadedUntilComplete()
    {
        // A window far longer than a pause between two chunks, even on a loaded machine.
        await using var host = await HostFixture.StartAsync(o => o.StabilityWindow = TimeSpan.FromSeconds(2));
        var folder = host.Folder("echo");
        Directory.CreateDirectory(folder);
        var dll = await File.ReadAllBytesAsync(Path.Combine(TestPlugins.BuildOutput, TestPlugins.Echo, "EchoPlugin.dll"));

        // The manifest arrives first, then the entry assembly a chunk at a time, as a slow copy would.
        TestPlugins.WriteManifest(folder, TestPlugins.Manifest("echo", "1.0.0"));
        await using (var stream = new FileStream(Path.Combine(folder, "EchoPlugin.dll"), FileMode.Create))
        {
            for (var offset = 0; offset < dll.Length; offset += 1024)
            {
                await stream.WriteAsync(dll.AsMemory(offset, Math.Min(1024, dll.Length - offset)));
                await stream.FlushAsync();
                await host.Admin.RescanAsync();
                await Task.Delay(20);
            }
        }

        Assert.DoesNotContain(host.Changes, c => c.PluginId == "echo");
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        TestPlugins.CopyBuild(TestPlugins.Echo, folder);
        await healthy;

        Assert.DoesNotContain(host.Changes, c => c.PluginId == "echo" && c.VersionState is PluginVersionState.Failed or PluginVersionState.Rejected);
        Assert.Equal("x", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Text);
    }

    [Fact]
    public async Task Discovery_PluginsPresentAtStart_AreLoaded()
    {
        await using var host = await HostFixture.StartAsync(before: f =>
        {
            TestPlugins.Install(f.Folder("a"), TestPlugins.Manifest("a", "1.0.0"));
            TestPlugins.Install(f.Folder("b"), TestPlugins.Manifest("b", "3.0.0", TestPlugins.OldLibrary), TestPlugins.OldLibrary);
        });

        await Task.WhenAll(host.WaitForAsync("a", PluginVersionState.Healthy), host.WaitForAsync("b", PluginVersionState.Healthy));

        Assert.Equal(["a", "b"], host.Plugins.GetPlugins().Select(p => p.Id));
    }

    [Fact]
    public async Task Discovery_PluginSlowToStart_DoesNotHoldUpTheOthers()
    {
        // "a-slow" is held in its start until "b-fast" is healthy; "b-fast" is staged only once "a-slow" is starting, and is loaded meanwhile.
        Task<PluginStateChange>? fastHealthy = null;
        Task<PluginStateChange>? slowHealthy = null;
        await using var host = await HostFixture.StartAsync(before: f =>
        {
            TestPlugins.Install(f.Folder("a-slow"), TestPlugins.Manifest("a-slow", "1.0.0", config: new JsonObject { ["mode"] = "hold-on-start" }));
            TestPlugins.Install(f.Folder("b-fast"), TestPlugins.Manifest("b-fast", "1.0.0"));
            var slowStarting = f.WaitForAsync("a-slow", PluginVersionState.Starting);
            fastHealthy = f.WaitForAsync("b-fast", PluginVersionState.Healthy);
            slowHealthy = f.WaitForAsync("a-slow", PluginVersionState.Healthy);
            ((PluginHost)f.Plugins).StagingStarted = path =>
            {
                if (path.EndsWith("b-fast", StringComparison.Ordinal))
                {
                    slowStarting.Wait();
                }
            };
        });

        await fastHealthy!;
        host.Holds.Release("start:a-slow");
        await slowHealthy!;

        var healthy = host.Changes.Where(c => c.VersionState == PluginVersionState.Healthy).Select(c => c.PluginId).ToList();
        Assert.Equal(["b-fast", "a-slow"], healthy);
        Assert.True(host.Changes.ToList().FindIndex(c => c.PluginId == "a-slow" && c.VersionState == PluginVersionState.Starting) <
            host.Changes.ToList().FindIndex(c => c.PluginId == "b-fast" && c.VersionState == PluginVersionState.Starting));
    }

    [Fact]
    public async Task Discovery_HiddenFolderAndFolderWithoutManifest_AreIgnored()
    {
        await using var host = await HostFixture.StartAsync();
        TestPlugins.CopyBuild(TestPlugins.Echo, host.Folder("no-manifest"));
        TestPlugins.Install(host.Folder(".hidden"), TestPlugins.Manifest("hidden", "1.0.0"));

        await host.InstallAsync("visible", "visible", "1.0.0");

        Assert.Equal(["visible"], host.Plugins.GetPlugins().Select(p => p.Id));
    }
}
