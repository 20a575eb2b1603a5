using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Hotplug.TestContracts;
using Xunit;

namespace Hotplug.Testing;

/// <summary>The kit's cases on calls: through the contract router and by name, their errors, cancellation, timeouts and streams.</summary>
public abstract class CallConformance : RuntimeConformanceBase
{
    /// <summary>A call reaches the plugin, which knows its id, version and config.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Call_ReachesThePluginWithItsIdentityAndConfig()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0", new JsonObject { ["greeting"] = "hello" });

        var reply = await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("hi"));

        Assert.Equal(new EchoReply("hi", "echo", "1.0.0", "hello", reply.Library, reply.Counter), reply);
    }

    /// <summary>The plugin reaches the services the host exports, and no other.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Call_PluginUsesExportedHostServicesOnly()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");

        var first = await echo.EchoAsync(new EchoRequest("plain"));
        var second = await echo.EchoAsync(new EchoRequest("plain"));
        if (!Capabilities.ReachesHostServices)
        {
            // The plugin can open no connection back: it is offered nothing, and says so by its answer.
            Assert.Null(first.Counter);
            Assert.Equal("plain", second.Text);
            return;
        }

        // ICounterService is exported: the plugin reaches the host's one instance. ISecretService is registered in
        // the host but not exported: the plugin cannot get it, so it answers with the text, not the secret.
        Assert.NotNull(first.Counter);
        Assert.Equal(first.Counter + 1, second.Counter);
        Assert.Equal("plain", second.Text);
    }

    /// <summary>A nullable field the plugin leaves out arrives as null.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Call_NullableFieldsAbsent_ArriveAsNull()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");

        var reply = await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest(string.Empty));

        Assert.Equal(string.Empty, reply.Text);
        Assert.Null(reply.Greeting);
    }

    /// <summary>What the plugin throws reaches the caller as a <see cref="PluginInvocationException"/> naming it, and it serves on.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Call_PluginThrows_CallerGetsInvocationErrorNamingPluginAndItServesOn()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");

        var error = await Assert.ThrowsAsync<PluginInvocationException>(() => echo.EchoAsync(new EchoRequest("throw")).AsTask());

        Assert.Equal("echo", error.PluginId);
        Assert.Equal("1.0.0", error.Version);
        Assert.Contains("echo was asked to throw", error.Message, StringComparison.Ordinal);
        Assert.Equal("ok", (await echo.EchoAsync(new EchoRequest("ok"))).Text);
    }

    /// <summary>A call the caller cancels ends as cancelled, and the plugin serves on.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Call_CallerCancels_CallEndsAsCancelledAndPluginServesOn()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        var echo = host.Plugins.Get<IEcho>("echo");
        using var cancel = new CancellationTokenSource();

        Task call;
        if (Capabilities.ReachesHostServices)
        {
            // Cancelled once the call is known to be running in the plugin: it waits in the host's IHoldService.
            call = echo.HoldAsync("cancel", cancel.Token);
            await host.Holds.WhenEntered("cancel");
        }
        else
        {
            // Nothing to tell when the call has arrived: cancelled wherever it is, it ends as cancelled all the same.
            call = echo.EchoAsync(new EchoRequest("wait"), cancel.Token).AsTask();
        }

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal("ok", (await echo.EchoAsync(new EchoRequest("ok"))).Text);
    }

    /// <summary>A call that hangs past the manifest's <c>callTimeout</c> ends with a <see cref="PluginTimeoutException"/>.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Call_HangsPastCallTimeout_CallerGetsTimeout()
    {
        await using var host = await StartHostAsync();
        var manifest = Manifest("echo", "1.0.0");
        // Generous: the call that hangs shows the timeout whatever it is, and the call after it must not hit it on a loaded machine.
        manifest["callTimeout"] = "2s";
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        Install(host, "echo", manifest);
        await healthy;
        var echo = host.Plugins.Get<IEcho>("echo");

        var timeout = await Assert.ThrowsAsync<PluginTimeoutException>(() => echo.EchoAsync(new EchoRequest("hang")).AsTask());

        Assert.Equal("echo", timeout.PluginId);
        Assert.Equal(TimeSpan.FromSeconds(2), timeout.Timeout);
        Assert.Equal("ok", (await echo.EchoAsync(new EchoRequest("ok"))).Text);
    }

    /// <summary>Right after install, with no typed call before it, a call by name and a stream by name are answered in JSON.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Invoke_ByNameRightAfterInstall_AnswersInJson()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0", new JsonObject { ["greeting"] = "hello" });

        var reply = await host.Invoker.InvokeAsync("echo", "echo", Json("""{ "request": { "text": "by name" } }"""));
        Assert.Equal("by name", reply.GetProperty("text").GetString());
        Assert.Equal("1.0.0", reply.GetProperty("version").GetString());
        Assert.Equal("hello", reply.GetProperty("greeting").GetString());
        if (!Capabilities.Streams)
        {
            return;
        }

        var items = new List<int>();
        await foreach (var item in host.Invoker.InvokeStreamAsync("echo", "count", Json("""{ "count": 3 }""")))
        {
            items.Add(item.GetInt32());
        }

        Assert.Equal([1, 2, 3], items);
    }

    /// <summary>A stream from the plugin arrives whole and in order.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Stream_FromPlugin_ArrivesInOrder()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        if (!Capabilities.Streams)
        {
            await AssertStreamsRefusedAsync(host, async echo =>
            {
                await foreach (var n in echo.CountAsync(5))
                {
                    Assert.Fail($"A runtime without streams streamed {n}.");
                }
            });
            return;
        }

        var numbers = new List<int>();
        await foreach (var n in host.Plugins.Get<IEcho>("echo").CountAsync(5))
        {
            numbers.Add(n);
        }

        Assert.Equal([1, 2, 3, 4, 5], numbers);
    }

    /// <summary>A stream to the plugin is consumed whole.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Stream_ToPlugin_IsConsumedWhole()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        if (!Capabilities.Streams)
        {
            await AssertStreamsRefusedAsync(host, async echo => await echo.SumAsync(Numbers(3)));
            return;
        }

        var sum = await host.Plugins.Get<IEcho>("echo").SumAsync(Numbers(1000));

        Assert.Equal(500500L, sum);
    }

    /// <summary>A stream both ways is interactive: each answer arrives before the next word is sent.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Stream_BothWays_EachAnswerArrivesBeforeTheNextWordIsSent()
    {
        await using var host = await StartHostAsync();
        await InstallAsync(host, "echo", "1.0.0");
        if (!Capabilities.Streams)
        {
            await AssertStreamsRefusedAsync(host, async echo =>
            {
                await foreach (var answer in echo.ShoutAsync(Words()))
                {
                    Assert.Fail($"A runtime without streams answered {answer}.");
                }
            });
            return;
        }

        var words = Channel.CreateUnbounded<string>();

        await using var answers = host.Plugins.Get<IEcho>("echo").ShoutAsync(words.Reader.ReadAllAsync()).GetAsyncEnumerator();
        var heard = new List<string>();
        foreach (var word in new[] { "one", "two", "three" })
        {
            // The next word is only written once the last answer came back: the stream is truly interactive.
            await words.Writer.WriteAsync(word);
            Assert.True(await answers.MoveNextAsync());
            heard.Add(answers.Current);
        }

        words.Writer.Complete();
        Assert.False(await answers.MoveNextAsync());
        Assert.Equal(["ONE", "TWO", "THREE"], heard);
    }

    /// <summary>A runtime without streams fails a streaming call, saying so, and serves the next call.</summary>
    private static async Task AssertStreamsRefusedAsync(KitHost host, Func<IEcho, Task> stream)
    {
        var echo = host.Plugins.Get<IEcho>("echo");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => stream(echo));
        Assert.Contains("stream", error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("ok", (await echo.EchoAsync(new EchoRequest("ok"))).Text);
    }

    private static async IAsyncEnumerable<string> Words()
    {
        await Task.Yield();
        yield return "one";
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static async IAsyncEnumerable<int> Numbers(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 1; i <= count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return i;
        }
    }
}
