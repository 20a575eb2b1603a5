using System.Text.Json;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Process.Tests;

using TestPlugins = Hotplug.Tests.Infrastructure.TestPlugins;

/// <summary>Stream methods of a process plugin called by name: read as they come, bounded by the call timeout.</summary>
public sealed class InvokeStreamTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task InvokeStream_CountByName_YieldsEveryItemInOrder()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", TestPlugins.EchoProcess);

        var results = await ToListAsync(host.Invoker.InvokeStreamAsync("echo", "count", Arguments("""{ "count": 5 }""")));

        Assert.Equal([1, 2, 3, 4, 5], results.Select(r => r.GetInt32()));
        await HostFixture.WaitUntilAsync(() => host.Plugins.GetPlugin("echo")!.InFlight == 0);
    }

    [Fact]
    public async Task InvokeStream_ProcessPluginEndlessCountWithTinyCallTimeout_EndsWithTimeout()
    {
        await using var host = await HostFixture.StartAsync();
        var manifest = TestPlugins.Manifest("echo", "1.0.0", TestPlugins.EchoProcess);
        manifest["callTimeout"] = "300ms";
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy);
        TestPlugins.Install(host.Folder("echo"), manifest, TestPlugins.EchoProcess);
        await healthy;

        var received = 0;
        await Assert.ThrowsAsync<PluginTimeoutException>(async () =>
        {
            using var guard = new CancellationTokenSource(HangGuard);
            await foreach (var item in host.Invoker.InvokeStreamAsync("echo", "count", Arguments($$"""{ "count": {{int.MaxValue}} }"""), guard.Token))
            {
                Assert.Equal(++received, item.GetInt32());
            }
        });

        await HostFixture.WaitUntilAsync(() => host.Plugins.GetPlugin("echo")!.InFlight == 0);
    }

    private static JsonElement Arguments(string json) => JsonDocument.Parse(json).RootElement;

    private static async Task<List<JsonElement>> ToListAsync(IAsyncEnumerable<JsonElement> results)
    {
        var list = new List<JsonElement>();
        await foreach (var result in results)
        {
            list.Add(result);
        }

        return list;
    }
}
