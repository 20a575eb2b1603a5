using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

public sealed class OfflineTests
{
    [Fact]
    public async Task Offline_FolderDeleted_DrainsUnloadsAndCallsThrowUnavailable()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");
        await host.InstallAsync("other", "other", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");
        var held = echo.HoldAsync("in-flight");
        await host.Holds.WhenEntered("in-flight");

        var offline = host.WaitForAsync("echo", PluginState.Offline);
        var unloaded = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        Directory.Delete(host.Folder("echo"), recursive: true);
        await offline;

        await Assert.ThrowsAsync<PluginUnavailableException>(() => echo.EchoAsync(new EchoRequest("x")).AsTask());
        host.Holds.Release("in-flight");
        Assert.Equal("1.0.0", await held);
        await unloaded;
        Assert.Equal(PluginState.Offline, host.Plugins.GetPlugin("echo")!.State);
        Assert.Equal("x", (await host.Plugins.Get<IEcho>("other").EchoAsync(new EchoRequest("x"))).Text);
    }

    [Fact]
    public async Task Offline_EnabledFalse_TakesItOfflineAndEnabledTrueBringsItBack()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");

        var unloaded = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        var manifest = TestPlugins.Manifest("echo", "1.0.0");
        manifest["enabled"] = false;
        TestPlugins.WriteManifest(host.Folder("echo"), manifest);
        var change = await unloaded;

        Assert.Contains("enabled", change.Reason);
        Assert.Equal(PluginState.Offline, host.Plugins.GetPlugin("echo")!.State);
        await Assert.ThrowsAsync<PluginUnavailableException>(() => echo.EchoAsync(new EchoRequest("x")).AsTask());

        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        manifest["enabled"] = true;
        TestPlugins.WriteManifest(host.Folder("echo"), manifest);
        await healthy;
        Assert.Equal("back", (await echo.EchoAsync(new EchoRequest("back"))).Text);
    }

    [Fact]
    public async Task Offline_HostStops_ActiveVersionsAreStopped()
    {
        var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");

        await host.DisposeAsync();

        await Assert.ThrowsAsync<PluginUnavailableException>(() => echo.EchoAsync(new EchoRequest("x")).AsTask());
    }
}
