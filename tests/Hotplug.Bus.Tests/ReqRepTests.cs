using Hotplug.TestContracts;

namespace Hotplug.Bus.Tests;

/// <summary>Request/reply across processes: calls spread over members, and survive members that die, leave and join.</summary>
public sealed class ReqRepTests
{
    [Fact]
    public async Task Calls_TwoMembers_BothAnswerInTurn()
    {
        await using var hub = Hubs.Open();
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1");
        await using var w2 = await Worker.StartAsync(hub.Endpoints[0], "w2");
        await hub.UntilOnlineAsync(2);
        var work = hub.Get<IWork>("work");

        var replies = new List<WorkReply>();
        for (var i = 0; i < 20; i++)
        {
            replies.Add(await work.DoAsync(new WorkRequest(i)));
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), replies.Select(r => r.Id));
        Assert.Equal(10, replies.Count(r => r.Member == "w1"));
        Assert.Equal(10, replies.Count(r => r.Member == "w2"));
    }

    [Fact]
    public async Task MemberKilledMidCall_TheCallIsAnsweredByAnother()
    {
        await using var hub = Hubs.Open();
        await using var stuck = await Worker.StartAsync(hub.Endpoints[0], "stuck", "work", "--call-delay", "600000");
        await using var good = await Worker.StartAsync(hub.Endpoints[0], "good");
        await hub.UntilOnlineAsync(2);
        var work = hub.Get<IWork>("work");

        // Two calls at once: the least busy member takes each, so one lands on each member.
        var calls = new[] { work.DoAsync(new WorkRequest(1)).AsTask(), work.DoAsync(new WorkRequest(2)).AsTask() };
        var line = await stuck.WaitForAsync("doing ");
        await stuck.KillAsync();

        var replies = await Task.WhenAll(calls);
        Assert.All(replies, r => Assert.Equal("good", r.Member));
        Assert.Contains($"doing {line["doing ".Length..]}", good.Lines);
    }

    [Fact]
    public async Task MembersJoinLeaveAndDie_UnderLoad_NoCallFails()
    {
        await using var hub = Hubs.Open();
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1");
        var work = hub.Get<IWork>("work");
        using var stop = new CancellationTokenSource();
        var answered = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        long next = 0;
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var id = Interlocked.Increment(ref next);
                try
                {
                    var reply = await work.DoAsync(new WorkRequest(id, DelayMs: 5));
                    Assert.Equal(id, reply.Id);
                    answered.AddOrUpdate(reply.Member, 1, (_, n) => n + 1);
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            }
        })).ToArray();

        await using var w2 = await Worker.StartAsync(hub.Endpoints[0], "w2");
        await w2.WaitForAsync("did ");
        w1.Send("leave");
        await w1.WaitForAsync("left");
        await using var w3 = await Worker.StartAsync(hub.Endpoints[0], "w3");
        await w3.WaitForAsync("did ");
        await w2.KillAsync();
        var served = w3.Count("did ");
        await w3.WaitForAsync(l => l.StartsWith("did ", StringComparison.Ordinal) && w3.Count("did ") > served + 20);
        await stop.CancelAsync();
        await Task.WhenAll(callers);

        Assert.Empty(failures);
        Assert.Equal(["w1", "w2", "w3"], answered.Keys.Order());
    }

    [Fact]
    public async Task NoMember_FailsAfterTheWait_NamingTheService()
    {
        await using var hub = Hubs.Open(o => o.NoMemberWait = TimeSpan.FromMilliseconds(300));
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1", "other");

        var error = await Assert.ThrowsAsync<BusCallException>(async () => await hub.Get<IWork>("work").DoAsync(new WorkRequest(1)));

        Assert.Equal(BusFailure.NoMember, error.Failure);
        Assert.Contains("'work'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemberJoinsWhileACallWaits_TheCallIsAnswered()
    {
        await using var hub = Hubs.Open(o => o.NoMemberWait = TimeSpan.FromSeconds(60));
        var call = hub.Get<IWork>("work").DoAsync(new WorkRequest(5)).AsTask();
        await using var late = await Worker.StartAsync(hub.Endpoints[0], "late");

        Assert.Equal(new WorkReply(5, "late"), await call);
    }

    [Fact]
    public async Task Publish_OverTheSizeLimit_RefusedBeforeItIsSent()
    {
        await using var hub = Hubs.Open(o => o.MaxMessageBytes = 64 * 1024);

        var error = Assert.Throws<BusMessageTooLargeException>(() => hub.Publish("t", new Tick(1, new string('x', 100_000))));

        Assert.Contains("65536", error.Message, StringComparison.Ordinal);
    }
}
