using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

/// <summary>
/// What every runtime must do the same way, behind the same contract and the same router: run once against the
/// in-process EchoPlugin and once against EchoProcessPlugin, a child process serving the contract over gRPC.
/// </summary>
public abstract class ConformanceTests
{
    private protected abstract string Project { get; }

    /// <summary>Gets whether the plugin can call the host's exported services (not over the stdio transport).</summary>
    private protected virtual bool ReachesHostServices => true;

    [Fact]
    public async Task Call_ReachesThePluginWithItsIdentityAndConfig()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", Project, new JsonObject { ["greeting"] = "hello" });

        var reply = await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("hi"));

        Assert.Equal(new EchoReply("hi", "echo", "1.0.0", "hello", reply.Library, reply.Counter), reply);
    }

    [Fact]
    public async Task Call_PluginUsesExportedHostServicesOnly()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", Project);
        var echo = host.Plugins.Get<IEcho>("echo");

        var first = await echo.EchoAsync(new EchoRequest("plain"));
        var second = await echo.EchoAsync(new EchoRequest("plain"));
        if (!ReachesHostServices)
        {
            // Over stdio the plugin can open no connection back: it is offered nothing, and says so by its answer.
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

    [Fact]
    public async Task Upgrade_CallInFlightFinishesOnTheOldVersionAndNewCallsReachTheNew()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", Project);
        var echo = host.Plugins.Get<IEcho>("echo");

        if (!ReachesHostServices)
        {
            // Nothing to hold the call open with: the plugin reports the missing host service.
            var error = await Assert.ThrowsAsync<PluginInvocationException>(() => echo.HoldAsync("upgrade"));
            Assert.Contains("IHoldService", error.Message, StringComparison.Ordinal);
            return;
        }

        // The old version holds a call open in the host's IHoldService while the new version is installed.
        var held = echo.HoldAsync("upgrade");
        await host.Holds.WhenEntered("upgrade").WaitAsync(TimeSpan.FromSeconds(60));
        var active = host.WaitForAsync(c => c.PluginId == "echo" && c.VersionState == PluginVersionState.Healthy && c.Version == "1.1.0");
        TestPlugins.WriteManifest(host.Folder("echo"), TestPlugins.Manifest("echo", "1.1.0", Project));
        await active.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal("1.1.0", (await echo.EchoAsync(new EchoRequest("x"))).Version);
        Assert.False(held.IsCompleted);
        host.Holds.Release("upgrade");
        Assert.Equal("1.0.0", await held);
    }

    [Fact]
    public async Task Call_NullableFieldsAbsent_ArriveAsNull()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", Project);

        var reply = await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest(string.Empty));

        Assert.Equal(string.Empty, reply.Text);
        Assert.Null(reply.Greeting);
    }

    [Fact]
    public async Task Call_PluginThrows_CallerGetsInvocationErrorNamingPluginAndItServesOn()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", Project);
        var echo = host.Plugins.Get<IEcho>("echo");

        var error = await Assert.ThrowsAsync<PluginInvocationException>(() => echo.EchoAsync(new EchoRequest("throw")).AsTask());

        Assert.Equal("echo", error.PluginId);
        Assert.Equal("1.0.0", error.Version);
        Assert.Contains("echo was asked to throw", error.Message, StringComparison.Ordinal);
        Assert.Equal("ok", (await echo.EchoAsync(new EchoRequest("ok"))).Text);
    }

    [Fact]
    public async Task Call_CallerCancels_CallEndsAsCancelledAndPluginServesOn()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", Project);
        var echo = host.Plugins.Get<IEcho>("echo");
        using var cancel = new CancellationTokenSource();

        Task call;
        if (ReachesHostServices)
        {
            // Cancelled once the call is known to be running in the plugin: it waits in the host's IHoldService.
            call = echo.HoldAsync("cancel", cancel.Token);
            await host.Holds.WhenEntered("cancel").WaitAsync(TimeSpan.FromSeconds(60));
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

    [Fact]
    public async Task Call_HangsPastCallTimeout_CallerGetsTimeout()
    {
        await using var host = await HostFixture.StartAsync();
        var manifest = TestPlugins.Manifest("echo", "1.0.0", Project);
        // Generous: the call that hangs shows the timeout whatever it is, and the call after it must not hit it on a loaded machine.
        manifest["callTimeout"] = "2s";
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        TestPlugins.Install(host.Folder("echo"), manifest, Project);
        await healthy;
        var echo = host.Plugins.Get<IEcho>("echo");

        var timeout = await Assert.ThrowsAsync<PluginTimeoutException>(() => echo.EchoAsync(new EchoRequest("hang")).AsTask());

        Assert.Equal("echo", timeout.PluginId);
        Assert.Equal(TimeSpan.FromSeconds(2), timeout.Timeout);
        Assert.Equal("ok", (await echo.EchoAsync(new EchoRequest("ok"))).Text);
    }

    [Fact]
    public async Task Stream_FromPlugin_ArrivesInOrder()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", Project);

        var numbers = new List<int>();
        await foreach (var n in host.Plugins.Get<IEcho>("echo").CountAsync(5))
        {
            numbers.Add(n);
        }

        Assert.Equal([1, 2, 3, 4, 5], numbers);
    }

    [Fact]
    public async Task Stream_ToPlugin_IsConsumedWhole()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", Project);

        var sum = await host.Plugins.Get<IEcho>("echo").SumAsync(Numbers(1000));

        Assert.Equal(500500L, sum);
    }

    [Fact]
    public async Task Stream_BothWays_EachAnswerArrivesBeforeTheNextWordIsSent()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", Project);
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

    [Fact]
    public async Task Upgrade_SameRouterReachesTheNewVersion()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", Project);
        var echo = host.Plugins.Get<IEcho>("echo");
        Assert.Equal("1.0.0", (await echo.EchoAsync(new EchoRequest("x"))).Version);

        var unloaded = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        await host.InstallAsync("echo", "echo", "1.1.0", Project);
        await unloaded;

        Assert.Equal("1.1.0", (await echo.EchoAsync(new EchoRequest("x"))).Version);
        Assert.Equal("1.1.0", host.Plugins.GetPlugin("echo")!.Version);
    }

    [Fact]
    public async Task Offline_FolderDeleted_CallsGetUnavailable()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0", Project);
        var echo = host.Plugins.Get<IEcho>("echo");

        var offline = host.WaitForAsync("echo", PluginVersionState.Unloaded, "1.0.0");
        Directory.Delete(host.Folder("echo"), recursive: true);
        await offline;

        var error = await Assert.ThrowsAsync<PluginUnavailableException>(() => echo.EchoAsync(new EchoRequest("x")).AsTask());
        Assert.Equal("echo", error.PluginId);
    }

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

/// <summary>The conformance tests against an assembly plugin in a collectible load context.</summary>
public sealed class AssemblyConformanceTests : ConformanceTests
{
    private protected override string Project => TestPlugins.Echo;
}

/// <summary>The conformance tests against a process plugin serving the contract over go-plugin's gRPC protocol.</summary>
public sealed class ProcessConformanceTests : ConformanceTests
{
    private protected override string Project => TestPlugins.EchoProcess;
}

/// <summary>The same, with the plugin connected over its standard input and output (<c>"transport": "stdio"</c>): no host services.</summary>
public sealed class StdioProcessConformanceTests : ConformanceTests
{
    private protected override string Project => TestPlugins.EchoProcessStdio;

    private protected override bool ReachesHostServices => false;
}

/// <summary>The same, with the plugin on TCP loopback (<c>"transport": "tcp"</c>), host services included.</summary>
public sealed class TcpProcessConformanceTests : ConformanceTests
{
    private protected override string Project => TestPlugins.EchoProcessTcp;
}
