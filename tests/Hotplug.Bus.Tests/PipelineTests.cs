using Hotplug.TestContracts;

namespace Hotplug.Bus.Tests;

/// <summary>Pipeline across processes: items go fairly to members with room, wait when all are full, and move on when a member dies.</summary>
public sealed class PipelineTests
{
    [Fact]
    public async Task Items_TwoMembers_SharedFairly_EveryItemDone()
    {
        await using var hub = Hubs.Open();
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1", "work", "--credit", "4");
        await using var w2 = await Worker.StartAsync(hub.Endpoints[0], "w2", "work", "--credit", "4");
        await hub.UntilOnlineAsync(2);

        for (var i = 1; i <= 200; i++)
        {
            var id = i;
            await hub.PushAsync<IWork>("work", w => w.AcceptAsync(new WorkItem(id, DelayMs: 2)));
        }

        await Hubs.UntilDoneAsync([w1, w2], 200);
        var done = w1.Lines.Concat(w2.Lines).Where(l => l.StartsWith("item ", StringComparison.Ordinal)).Select(l => long.Parse(l[5..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), done.Order());
        Assert.InRange(w1.Count("item "), 40, 160);
        Assert.Equal(0, hub.FailedItems);
    }

    [Fact]
    public async Task EveryMemberFull_PushWaits_UntilAMemberHasRoom()
    {
        await using var hub = Hubs.Open();
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1", "work", "--credit", "2");
        await hub.PushAsync<IWork>("work", w => w.AcceptAsync(new WorkItem(1, DelayMs: 600_000)));
        await hub.PushAsync<IWork>("work", w => w.AcceptAsync(new WorkItem(2, DelayMs: 600_000)));
        await w1.WaitForAsync("taking 2");

        var third = hub.PushAsync<IWork>("work", w => w.AcceptAsync(new WorkItem(3)));
        await Task.Delay(500); // nothing can signal that a push goes on waiting: give it time to be wrongly taken
        Assert.False(third.IsCompleted, "the push should wait while the only member is full");

        await using var w2 = await Worker.StartAsync(hub.Endpoints[0], "w2", "work", "--credit", "2");
        await third.WaitAsync(Worker.Patience);
        await w2.WaitForAsync("item 3");
        Assert.DoesNotContain("taking 3", w1.Lines);
    }

    [Fact]
    public async Task MemberKilled_ItsUnfinishedItemsGoToAnother()
    {
        await using var hub = Hubs.Open();
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1", "work", "--credit", "8");
        for (var i = 1; i <= 3; i++)
        {
            var id = i;
            await hub.PushAsync<IWork>("work", w => w.AcceptAsync(new WorkItem(id, DelayMs: 600_000)));
        }

        await w1.WaitForAsync("taking 3");
        await using var w2 = await Worker.StartAsync(hub.Endpoints[0], "w2", "work", "--credit", "8");
        await w1.KillAsync();

        foreach (var id in new[] { 1, 2, 3 })
        {
            await w2.WaitForAsync($"taking {id}");
        }
    }
}
