using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Hotplug.Process.Protocol.Frames;
using Hotplug.TestContracts;
using Hotplug.Wire;

namespace Hotplug.Process.Tests;

/// <summary>
/// The fast lane with real plugin processes: which plugins take it, calls of every shape over it, a stranger on its
/// socket, and a plugin killed under a call.
/// </summary>
public sealed class FastLaneTests
{
    [Fact]
    public async Task DotnetContractPlugin_OnAUnixSocket_TakesTheFastLaneAndServesEveryShape()
    {
        await using var plugin = await PluginProcess.StartAsync("echo", GoPlugins.EchoPlugin, [], GoPlugins.Options(), new ListLogger(), CancellationToken.None);
        var echo = ContractClient.Create<IEcho>(plugin.CallInvoker);

        var reply = await echo.EchoAsync(new EchoRequest("over frames"));
        var counted = new List<int>();
        await foreach (var n in echo.CountAsync(100))
        {
            counted.Add(n);
        }

        var sum = await echo.SumAsync(Numbers(500));
        var shouted = new List<string>();
        await foreach (var word in echo.ShoutAsync(Words("a", "b", "c")))
        {
            shouted.Add(word);
        }

        Assert.True(plugin.IsFastLane);
        Assert.Equal(FrameProtocol.Name, plugin.Handshake.Protocol);
        Assert.False(plugin.IsMutualTls);
        Assert.Equal("over frames", reply.Text);
        Assert.Equal(Enumerable.Range(1, 100), counted);
        Assert.Equal(500L * 501 / 2, sum);
        Assert.Equal(["A", "B", "C"], shouted);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await plugin.CheckHealthAsync(CancellationToken.None));
        Assert.True(await plugin.StopAsync());
    }

    [Fact]
    public async Task FastLaneOff_DotnetPluginKeepsGrpcOverMutualTls()
    {
        await using var plugin = await PluginProcess.StartAsync("echo", GoPlugins.EchoPlugin, [], GoPlugins.Options(o => o.FastLane = false), new ListLogger(), CancellationToken.None);

        var reply = await ContractClient.Create<IEcho>(plugin.CallInvoker).EchoAsync(new EchoRequest("over grpc"));

        Assert.False(plugin.IsFastLane);
        Assert.Equal("grpc", plugin.Handshake.Protocol);
        Assert.True(plugin.IsMutualTls);
        Assert.Equal("over grpc", reply.Text);
    }

    [Fact]
    public async Task GoPlugin_IsOfferedTheFastLane_KeepsGrpc()
    {
        await using var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], GoPlugins.Options(), new ListLogger(), CancellationToken.None);

        Assert.False(plugin.IsFastLane);
        Assert.Equal("grpc", plugin.Handshake.Protocol);
        Assert.True(plugin.IsMutualTls);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await plugin.CheckHealthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ManyConcurrentCalls_EachGetsItsOwnAnswer()
    {
        await using var plugin = await PluginProcess.StartAsync("echo", GoPlugins.EchoPlugin, [], GoPlugins.Options(), new ListLogger(), CancellationToken.None);
        var echo = ContractClient.Create<IEcho>(plugin.CallInvoker);

        var replies = await Task.WhenAll(Enumerable.Range(0, 500).Select(async i => (i, (await echo.EchoAsync(new EchoRequest($"call {i}"))).Text)));

        Assert.All(replies, r => Assert.Equal($"call {r.i}", r.Text));
    }

    [Fact]
    public async Task AConnectionWithoutTheHostsToken_IsClosed_AndThePluginServesOn()
    {
        var logger = new ListLogger();
        await using var plugin = await PluginProcess.StartAsync("echo", GoPlugins.EchoPlugin, [], GoPlugins.Options(), logger, CancellationToken.None);

        using var stranger = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await stranger.ConnectAsync(new UnixDomainSocketEndPoint(plugin.Handshake.Address));
        await stranger.SendAsync(Encoding.ASCII.GetBytes("HPF1" + new string('0', FrameProtocol.TokenLength)), SocketFlags.None);
        var read = await stranger.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(60));
        var reply = await ContractClient.Create<IEcho>(plugin.CallInvoker).EchoAsync(new EchoRequest("still here"));

        Assert.Equal(0, read);
        Assert.Equal("still here", reply.Text);
        await logger.WhenLogged("did not start with the host's token").WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task PluginKilledUnderACall_TheCallFailsAsAConnectionThatBroke()
    {
        var logger = new ListLogger();
        await using var plugin = await PluginProcess.StartAsync("echo", GoPlugins.EchoPlugin, [], GoPlugins.Options(), logger, CancellationToken.None);
        var echo = ContractClient.Create<IEcho>(plugin.CallInvoker);

        var held = echo.EchoAsync(new EchoRequest("hold")).AsTask();
        await logger.WhenLogged("holding a call in process").WaitAsync(TimeSpan.FromSeconds(60));
        System.Diagnostics.Process.GetProcessById(plugin.ProcessId).Kill();
        var failure = await Assert.ThrowsAsync<RpcException>(() => held).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.IsType<FrameConnectionException>(failure.Status.DebugException);
    }

    private static async IAsyncEnumerable<int> Numbers(int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    private static async IAsyncEnumerable<string> Words(params string[] words)
    {
        foreach (var word in words)
        {
            await Task.Yield();
            yield return word;
        }
    }
}
