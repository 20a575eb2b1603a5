using System.Collections.Concurrent;
using Hotplug.TestContracts;

namespace Hotplug.Bus.Tests;

/// <summary>Publish/subscribe across processes: prefixes, host and member publishers, and a slow subscriber that loses without slowing anyone.</summary>
public sealed class PubSubTests
{
    [Fact]
    public async Task Publish_ReachesEveryMatchingPrefix_AndNoOther()
    {
        await using var hub = Hubs.Open();
        await using var orders = await Worker.StartAsync(hub.Endpoints[0], "orders", "work", "--subscribe", "orders.");
        await using var all = await Worker.StartAsync(hub.Endpoints[0], "all", "work", "--subscribe", "");
        var host = new ConcurrentQueue<string>();
        using var hostSubscription = hub.Subscribe<Tick>("users.", (m, _) =>
        {
            host.Enqueue($"{m.Topic} {m.Message.N} {m.Sender}");
            return ValueTask.CompletedTask;
        });
        await hub.BarrierAsync(2);

        hub.Publish("orders.created", new Tick(1, "a"));
        hub.Publish("users.renamed", new Tick(2, "b"));
        orders.Send("publish users.created 1");
        await all.WaitForAsync("tick users.created 1 from orders");
        hub.Publish("orders.end", new Tick(3, "c"));
        await orders.WaitForAsync("tick orders.end 3");

        Assert.Contains("tick orders.created 1 from host", all.Lines);
        Assert.Contains("tick users.renamed 2 from host", all.Lines);
        Assert.Contains("tick orders.created 1 from host", orders.Lines);
        Assert.DoesNotContain(orders.Lines, l => l.StartsWith("tick users.", StringComparison.Ordinal));
        Assert.Equal(["users.created 1 orders", "users.renamed 2 host"], host.Order());
    }

    [Fact]
    public async Task SlowSubscriber_LosesAndCountsIt_TheFastOneGetsEverything()
    {
        // Room enough for the fast one everywhere; the slow one keeps ten and takes 20 ms over each.
        await using var hub = Hubs.Open(o => o.SendHighWaterMark = 10_000);
        await using var fast = await Worker.StartAsync(hub.Endpoints[0], "fast", "work", "--subscribe", "t.", "--hwm", "10000");
        await using var slow = await Worker.StartAsync(hub.Endpoints[0], "slow", "work", "--subscribe", "t.", "--slow", "20", "--hwm", "10");
        await hub.BarrierAsync(2);
        const int Count = 2000;

        for (var n = 1; n <= Count; n++)
        {
            hub.Publish("t.x", new Tick(n, "payload"));
        }

        await fast.WaitForAsync($"tick t.x {Count} ");
        var (received, lost) = await fast.StatsAsync("t.");
        Assert.Equal((Count, 0), (received, lost));

        // The slow one's counts settle once it has worked through what it kept; ask until it reports a loss.
        var slowStats = await slow.StatsAsync("t.");
        using var timeout = new CancellationTokenSource(Worker.Patience);
        while (slowStats.Lost == 0)
        {
            await Task.Delay(200, timeout.Token);
            slowStats = await slow.StatsAsync("t.");
        }

        Assert.True(slowStats.Received < Count, $"the slow subscriber received {slowStats.Received}");
        Assert.True(slowStats.Lost > 0);
    }
}
