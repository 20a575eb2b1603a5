using System.Collections.Concurrent;
using Hotplug.TestContracts;

namespace Hotplug.Bus.Tests;

/// <summary>Bus channels (everyone but the sender) and pairs (one peer, in order) across processes.</summary>
public sealed class ChannelAndPairTests
{
    [Fact]
    public async Task Channel_ReachesEveryOtherMemberAndTheHost_NeverTheSender()
    {
        await using var hub = Hubs.Open();
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1");
        await using var w2 = await Worker.StartAsync(hub.Endpoints[0], "w2");
        await using var w3 = await Worker.StartAsync(hub.Endpoints[0], "w3");
        var host = new ConcurrentQueue<string>();
        using var joined = hub.JoinChannel<Tick>("gossip", (m, _) =>
        {
            host.Enqueue($"{m.Message.N} {m.Sender}");
            return ValueTask.CompletedTask;
        });
        foreach (var w in new[] { w1, w2, w3 })
        {
            w.Send("join-channel gossip");
            await w.WaitForAsync("joined gossip");
        }

        await hub.BarrierAsync(3);

        w1.Send("send-channel gossip 7");
        await w2.WaitForAsync("chan gossip 7 from w1");
        await w3.WaitForAsync("chan gossip 7 from w1");

        // What w2 sends now reaches w1 after anything the hub had for it before: w1's own message, had it been echoed.
        w2.Send("send-channel gossip 8");
        await w1.WaitForAsync("chan gossip 8 from w2");
        Assert.DoesNotContain(w1.Lines, l => l.StartsWith("chan gossip 7", StringComparison.Ordinal));
        Assert.DoesNotContain(w2.Lines, l => l.StartsWith("chan gossip 8", StringComparison.Ordinal));
        hub.SendOnChannel("gossip", new Tick(9, "host"));
        await w3.WaitForAsync("chan gossip 9 from host");
        Assert.Equal(["7 w1", "8 w2"], host.Order());
    }

    [Fact]
    public async Task Pair_OnePeer_InOrderBothWays_ASecondMemberIsRefused()
    {
        await using var hub = Hubs.Open();
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1");
        await using var w2 = await Worker.StartAsync(hub.Endpoints[0], "w2");

        var accepting = hub.AcceptPairAsync<Tick>("control");
        w1.Send("pair control");
        await using var pair = await accepting.WaitAsync(Worker.Patience);
        await w1.WaitForAsync("pair opened control with host");
        Assert.Equal("w1", pair.Peer);

        w2.Send("pair control");
        var refused = await w2.WaitForAsync("error pair");
        Assert.Contains("BusPairRefusedException", refused, StringComparison.Ordinal);
        Assert.Contains("'w1' holds it", refused, StringComparison.Ordinal);

        for (var n = 1; n <= 50; n++)
        {
            pair.Send(new Tick(n, "host"));
        }

        await w1.WaitForAsync("pair-msg 50 ");
        Assert.Equal(Enumerable.Range(1, 50).Select(n => $"pair-msg {n} host"), w1.Lines.Where(l => l.StartsWith("pair-msg", StringComparison.Ordinal)));

        w1.Send("pair-send 77");
        var back = await pair.ReceiveAsync().AsTask().WaitAsync(Worker.Patience);
        Assert.Equal(new Tick(77, "w1"), back);

        // The holder dies: the host's end closes once the hub finds it offline.
        await w1.KillAsync();
        await Task.Delay(Timeout.Infinite, pair.Closed).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Worker.Patience);
    }

    [Fact]
    public async Task Pair_NameTheHostDoesNotAccept_Refused()
    {
        await using var hub = Hubs.Open();
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1");

        w1.Send("pair nobody");

        var refused = await w1.WaitForAsync("error pair");
        Assert.Contains("does not accept", refused, StringComparison.Ordinal);
    }
}
