using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Hotplug.Process.Tests;

/// <summary>
/// A process plugin lists the contracts its manifest names as soon as it is healthy, and is called by name before
/// any code asked for one of its contracts; a contract the host cannot learn is named in the error, with the fix.
/// </summary>
public sealed class CallByNameTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public async Task ProcessPlugin_RightAfterItIsHealthy_ListsItsManifestContractsAndIsCalledByNameWithoutGet()
    {
        await using var host = await EchoHost.StartAsync();
        await host.InstallAsync();

        var status = host.Plugins.GetPlugin("echo")!;
        Assert.Equal(["test.echo/v1", "test.other/v1"], status.Contracts);

        var invoker = host.Services.GetRequiredService<IPluginInvoker>();
        var reply = await invoker.InvokeAsync("echo", "echo", Json("""{"request":{"text":"hi"}}"""));
        Assert.Equal("hi", reply.GetProperty("text").GetString());
        var items = new List<int>();
        await foreach (var item in invoker.InvokeStreamAsync("echo", "count", Json("""{"count":3}""")))
        {
            items.Add(item.GetInt32());
        }

        Assert.Equal([1, 2, 3], items);
        var wrong = await Assert.ThrowsAsync<PluginInvocationArgumentException>(() => invoker.InvokeAsync("echo", "echo", Json("""{"nope":1}""")));
        Assert.Contains("has no parameter 'nope'", wrong.Message);
    }

    [Fact]
    public async Task GoPlugin_ContractNeitherShippedNorKnownToTheHost_ListedAndCallByNameSaysWhatToShip()
    {
        await using var host = await TestHost.StartAsync();
        var healthy = host.WaitForAsync("go-unknown", PluginVersionState.Healthy);
        var build = Path.Combine(host.Root, "build");
        Directory.CreateDirectory(build);
        File.Copy(GoPlugins.Minimal, Path.Combine(build, "minimal"));
        File.WriteAllText(Path.Combine(build, "plugin.json"), new JsonObject
        {
            ["id"] = "go-unknown",
            ["version"] = "1.0.0",
            ["runtime"] = "process",
            ["entry"] = new JsonObject
            {
                ["executable"] = "minimal",
                ["handshake"] = new JsonObject { ["magicCookieKey"] = "HOTPLUG_TEST_PLUGIN", ["magicCookieValue"] = "d3c4f1a0" },
            },
            ["contracts"] = new JsonArray("acme.unknown/v1"),
        }.ToJsonString());
        Directory.CreateDirectory(Path.Combine(host.Root, "plugins"));
        Directory.Move(build, Path.Combine(host.Root, "plugins", "go-unknown"));
        await healthy;

        Assert.Equal(["acme.unknown/v1"], host.Plugins.GetPlugin("go-unknown")!.Contracts);
        var invoker = host.Services.GetRequiredService<IPluginInvoker>();
        var error = await Assert.ThrowsAsync<PluginInvocationArgumentException>(() => invoker.InvokeAsync("go-unknown", "rank", Json("{}")));
        Assert.Contains("'go-unknown'", error.Message);
        Assert.Contains("'acme.unknown/v1'", error.Message);
        Assert.Contains("ship the contract assembly", error.Message);
        Assert.Equal("go-unknown", error.PluginId);
    }
}
