using Hotplug.TestContracts;

namespace Hotplug.Bus.Tests;

/// <summary>A member that stops answering (SIGSTOP) goes offline and its work goes elsewhere; it comes back online when it answers again.</summary>
public sealed class LivenessTests
{
    [Fact]
    public async Task StoppedMember_Offline_CallsGoToTheOther_OnlineAgainAfterSigcont()
    {
        await using var hub = Hubs.Open();
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1");
        await using var w2 = await Worker.StartAsync(hub.Endpoints[0], "w2");
        await hub.UntilOnlineAsync(2);
        var work = hub.Get<IWork>("work");

        w1.Signal("STOP");
        var call = work.DoAsync(new WorkRequest(1)).AsTask();
        await hub.UntilAsync(_ => hub.StateOf("w1") == BusMemberState.Offline, "w1 offline");
        Assert.Equal("w2", (await call).Member);
        for (var i = 2; i < 6; i++)
        {
            Assert.Equal("w2", (await work.DoAsync(new WorkRequest(i))).Member);
        }

        w1.Signal("CONT");
        await hub.UntilAsync(_ => hub.StateOf("w1") == BusMemberState.Online, "w1 online again");
        var replies = new List<string>();
        for (var i = 10; i < 14; i++)
        {
            replies.Add((await work.DoAsync(new WorkRequest(i))).Member);
        }

        Assert.Contains("w1", replies);
    }
}
