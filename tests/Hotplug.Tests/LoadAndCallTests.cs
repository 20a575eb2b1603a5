using System.Text.Json.Nodes;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

public sealed class LoadAndCallTests
{
    [Fact]
    public async Task Get_LoadedPlugin_CallReachesItWithContextAndExportedServices()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", config: new JsonObject { ["greeting"] = "hello" });

        var echo = host.Plugins.Get<IEcho>("echo");
        var reply = await echo.EchoAsync(new EchoRequest("hi"));
        var again = await echo.EchoAsync(new EchoRequest("hi"));

        Assert.Equal("hi", reply.Text);
        Assert.Equal("echo", reply.PluginId);
        Assert.Equal("1.0.0", reply.Version);
        Assert.Equal("hello", reply.Greeting);
        Assert.Equal(reply.Counter + 1, again.Counter);
        Assert.Same(echo, host.Plugins.Get<IEcho>("echo"));
    }

    [Fact]
    public async Task Get_ServiceNotExported_PluginCannotResolveIt()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");

        var reply = await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("plain"));

        // The plugin answers with ISecretService's secret when it can resolve it; the host registered it but did not export it.
        Assert.Equal("plain", reply.Text);
    }

    [Fact]
    public async Task Get_BeforePluginLoads_RouterThrowsUnavailableThenServesOnceLoaded()
    {
        await using var host = await HostFixture.StartAsync();
        var echo = host.Plugins.Get<IEcho>("later");

        var unavailable = await Assert.ThrowsAsync<PluginUnavailableException>(() => echo.EchoAsync(new EchoRequest("x")).AsTask());
        Assert.Equal("later", unavailable.PluginId);

        await host.InstallAsync("later", "later", "2.1.0");
        Assert.Equal("2.1.0", (await echo.EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Get_TwoPluginsWithTwoVersionsOfOneLibrary_EachUsesItsOwn()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("new-lib", "new-lib", "1.0.0");
        await host.InstallAsync("old-lib", "old-lib", "1.0.0", TestPlugins.OldLibrary);

        var newer = await host.Plugins.Get<IEcho>("new-lib").EchoAsync(new EchoRequest("x"));
        var older = await host.Plugins.Get<IEcho>("old-lib").EchoAsync(new EchoRequest("x"));

        Assert.StartsWith("13.", newer.Library);
        Assert.StartsWith("12.", older.Library);
        // The host's own copy, read without naming its types: a test assembly that referenced the library and
        // Hotplug.Abstractions would make the library one the host shares with every plugin.
        Assert.StartsWith("13.", System.Reflection.AssemblyName.GetAssemblyName(Path.Combine(AppContext.BaseDirectory, "Newtonsoft.Json.dll")).Version!.ToString());
    }

    [Fact]
    public async Task Get_PluginCarryingItsOwnContractAssembly_SharesTheHostsContractTypes()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("old-lib", "old-lib", "1.0.0", TestPlugins.OldLibrary);

        // OldLibraryPlugin ships TestContracts.dll; were it loaded privately, the host's IOther would not match.
        var who = await host.Plugins.Get<IOther>("old-lib").WhoAsync();

        Assert.Equal("old-lib@1.0.0", who);
        Assert.Equal(["test.echo/v1", "test.other/v1"], host.Plugins.GetPlugin("old-lib")!.Contracts);
    }

    [Fact]
    public async Task Get_PluginWithANativeLibrary_ResolvesItFromItsDepsJson()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("native", "native", "1.0.0", TestPlugins.Native);

        var who = await host.Plugins.Get<IOther>("native").WhoAsync();

        Assert.StartsWith("sqlite 3.", who);
    }

    [Fact]
    public async Task Get_TypeThatIsNotAContract_ThrowsWithWhatToDo()
    {
        await using var host = await HostFixture.StartAsync();

        var error = Assert.Throws<PluginException>(() => host.Plugins.Get<IDisposable>("echo"));

        Assert.Contains("[PluginContract", error.Message);
    }

    [Fact]
    public async Task Stream_ThroughRouter_YieldsEveryItem()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");

        var items = new List<int>();
        await foreach (var item in host.Plugins.Get<IEcho>("echo").CountAsync(5))
        {
            items.Add(item);
        }

        Assert.Equal([1, 2, 3, 4, 5], items);
        Assert.Equal(0, host.Plugins.GetPlugin("echo")!.InFlight);
    }

    [Fact]
    public async Task GetPlugins_LoadedPlugin_ReportsVersionStateContractsAndStorePath()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");

        var status = Assert.Single(host.Plugins.GetPlugins());

        Assert.Equal("echo", status.Id);
        Assert.Equal("1.0.0", status.Version);
        Assert.Equal("assembly", status.Runtime);
        Assert.Equal(PluginState.Healthy, status.State);
        Assert.Equal(["test.echo/v1"], status.Contracts);
        Assert.StartsWith(Path.Combine(host.StatePath, "store", "echo", "1.0.0-"), status.StorePath);
        Assert.True(File.Exists(Path.Combine(status.StorePath!, "EchoPlugin.dll")));
    }
}
