using Hotplug.TestContracts;

namespace Hotplug.Bus.Tests;

public sealed class SmokeTests
{
    private sealed class Worker(string name) : IWork
    {
        public ValueTask<WorkReply> DoAsync(WorkRequest request, CancellationToken cancellationToken = default) => ValueTask.FromResult(new WorkReply(request.Id, name));

        public Task AcceptAsync(WorkItem item, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }

    [Fact]
    public async Task Call_InProcessMember_Answers()
    {
        var options = new BusHubOptions { AllowUnauthenticated = true };
        await using var hub = new BusHub(options);
        await using var member = await BusMember.JoinAsync(
            new BusMemberOptions { Endpoint = hub.Endpoints[0], Service = "work", Member = "m1" },
            s => s.Serve<IWork>(new Worker("m1")));
        var work = hub.Get<IWork>("work");
        var reply = await work.DoAsync(new WorkRequest(7));
        Assert.Equal(new WorkReply(7, "m1"), reply);
    }
}
