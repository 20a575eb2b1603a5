using System.Text.Json;
using System.Text.Json.Nodes;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

/// <summary>Stream methods called by name: read as they come, bounded by the call timeout, cancelled with the caller.</summary>
public sealed class InvokeStreamTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task InvokeStream_SlowReader_PluginProducesOnlyWhatIsRead()
    {
        await using var host = await HostFixture.StartAsync();
        await InstallStreamsAsync(host, "streams", callTimeout: "infinite");

        var received = 0;
        await foreach (var item in host.Invoker.InvokeStreamAsync("streams", "flood", Arguments("""{ "size": 1024 }""")))
        {
            received++;

            // Nothing is read ahead: the plugin has produced the items handed over, and no more.
            Assert.Equal(1024, item.GetString()!.Length);
            Assert.True(host.Counted <= received, $"the plugin produced {host.Counted} items for {received} read");
            if (received == 200)
            {
                break;
            }
        }

        Assert.Equal(200, host.Counted);
        Assert.Equal(0, host.Plugins.GetPlugin("streams")!.InFlight);
    }

    [Fact]
    public async Task InvokeStream_EndlessStreamWithTinyCallTimeout_EndsWithTimeoutAndCountsOut()
    {
        await using var host = await HostFixture.StartAsync();
        await InstallStreamsAsync(host, "streams", callTimeout: "200ms");

        var received = 0;
        var error = await Assert.ThrowsAsync<PluginTimeoutException>(async () =>
        {
            using var guard = new CancellationTokenSource(HangGuard);
            await foreach (var item in host.Invoker.InvokeStreamAsync("streams", "flood", Arguments("""{ "size": 16 }"""), guard.Token))
            {
                received++;
                Assert.True(host.Counted <= received, $"the plugin produced {host.Counted} items for {received} read");
            }
        });

        Assert.Equal("streams", error.PluginId);
        Assert.Equal("FloodAsync", error.Method);
        Assert.True(host.Counted <= received + 1);
        await HostFixture.WaitUntilAsync(() => host.Plugins.GetPlugin("streams")!.InFlight == 0);
    }

    [Fact]
    public async Task InvokeStream_PluginWaitingPastCallTimeout_ItsTokenFiresAndTheCallerGetsTimeout()
    {
        await using var host = await HostFixture.StartAsync();
        // Long enough for the first item on a busy machine; the plugin then waits for ever.
        await InstallStreamsAsync(host, "streams", callTimeout: "2s");

        var items = new List<string>();
        await Assert.ThrowsAsync<PluginTimeoutException>(async () =>
        {
            using var guard = new CancellationTokenSource(HangGuard);
            await foreach (var item in host.Invoker.InvokeStreamAsync("streams", "follow", Arguments("""{ "key": "timeout" }"""), guard.Token))
            {
                items.Add(item.GetString()!);
            }
        });

        Assert.Equal(["started"], items);
        await host.Holds.WhenCancelled("timeout").WaitAsync(HangGuard);
        await HostFixture.WaitUntilAsync(() => host.Plugins.GetPlugin("streams")!.InFlight == 0);
    }

    [Fact]
    public async Task InvokeStream_CallerCancels_PluginTokenFiresAndCallCountsOut()
    {
        await using var host = await HostFixture.StartAsync();
        await InstallStreamsAsync(host, "streams", callTimeout: "infinite");
        using var cancel = new CancellationTokenSource();

        var stream = host.Invoker.InvokeStreamAsync("streams", "follow", Arguments("""{ "key": "gone" }"""), cancel.Token).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());
        var next = stream.MoveNextAsync().AsTask();
        await host.Holds.WhenEntered("gone").WaitAsync(HangGuard);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
        await stream.DisposeAsync();
        await host.Holds.WhenCancelled("gone").WaitAsync(HangGuard);
        await HostFixture.WaitUntilAsync(() => host.Plugins.GetPlugin("streams")!.InFlight == 0);
    }

    [Fact]
    public async Task InvokeStream_UnaryMethod_YieldsItsOneResult()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");

        var results = await ToListAsync(host.Invoker.InvokeStreamAsync("echo", "echo", Arguments("""{ "request": { "text": "one" } }""")));

        Assert.Equal("one", Assert.Single(results).GetProperty("text").GetString());
        Assert.Equal(0, host.Plugins.GetPlugin("echo")!.InFlight);
    }

    [Fact]
    public async Task InvokeStream_BadArguments_ThrowsBeforeAnyResultAndCountsOut()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");

        var error = await Assert.ThrowsAsync<PluginInvocationArgumentException>(() => ToListAsync(host.Invoker.InvokeStreamAsync("echo", "count", Arguments("""{ "count": "many" }"""))));

        Assert.Contains("Argument 'count' of CountAsync", error.Message);
        Assert.Equal(0, host.Plugins.GetPlugin("echo")!.InFlight);
    }

    [Fact]
    public async Task Invoke_StreamMethod_RefusedNamingInvokeStream()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");

        var error = await Assert.ThrowsAsync<PluginInvocationArgumentException>(() => host.Invoker.InvokeAsync("echo", "CountAsync", Arguments("""{ "count": 3 }""")));

        Assert.Contains("is a stream method", error.Message);
        Assert.Contains(nameof(IPluginInvoker.InvokeStreamAsync), error.Message);
        Assert.Equal(0, host.Plugins.GetPlugin("echo")!.InFlight);
    }

    [Fact]
    public async Task InvokeStream_CountByName_YieldsEveryItemInOrder()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", TestPlugins.Echo);

        var results = await ToListAsync(host.Invoker.InvokeStreamAsync("echo", "count", Arguments("""{ "count": 5 }""")));

        Assert.Equal([1, 2, 3, 4, 5], results.Select(r => r.GetInt32()));
        await HostFixture.WaitUntilAsync(() => host.Plugins.GetPlugin("echo")!.InFlight == 0);
    }

    /// <summary>Installs EchoPlugin with the stream contract, under <paramref name="callTimeout"/>, and waits until it is healthy.</summary>
    private static async Task InstallStreamsAsync(HostFixture host, string id, string callTimeout)
    {
        var manifest = TestPlugins.Manifest(id, "1.0.0");
        manifest["contracts"] = new JsonArray("test.echo/v1", "test.stream/v1");
        manifest["callTimeout"] = callTimeout;
        var healthy = host.WaitForAsync(id, PluginVersionState.Healthy);
        TestPlugins.Install(host.Folder(id), manifest);
        await healthy;
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
