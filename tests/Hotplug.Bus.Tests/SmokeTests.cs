using Hotplug.TestContracts;

namespace Hotplug.Bus.Tests;

/// <summary>A member in the test's own process, on each transport, and the errors a caller gets from it.</summary>
public sealed class SmokeTests
{
    private sealed class Worker(string name, int replyBytes = 0) : IWork
    {
        public ValueTask<WorkReply> DoAsync(WorkRequest request, CancellationToken cancellationToken = default) =>
            request.Crash
                ? throw new InvalidOperationException($"request {request.Id} is not welcome")
                : ValueTask.FromResult(new WorkReply(request.Id, replyBytes == 0 ? name : new string('x', replyBytes)));

        public Task AcceptAsync(WorkItem item, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }

    [Theory]
    [InlineData("inproc://hotplug-bus-smoke")]
    [InlineData("ipc://hotplug-bus-smoke")]
    [InlineData("tcp://127.0.0.1:0")]
    public async Task Call_MemberOnEachTransport_Answers(string endpoint)
    {
        var options = new BusHubOptions { AllowUnauthenticated = true };
        // ipc:// is a machine-wide name: another run of these tests must not meet this one.
        options.Endpoints.Add(endpoint.StartsWith("ipc://", StringComparison.Ordinal) ? $"{endpoint}-{Guid.NewGuid():N}" : endpoint);
        await using var hub = new BusHub(options);
        await using var member = await BusMember.JoinAsync(
            new BusMemberOptions { Endpoint = hub.Endpoints[0], Service = "work", Member = "m1" },
            s => s.Serve<IWork>(new Worker("m1")));
        var work = hub.Get<IWork>("work");
        var reply = await work.DoAsync(new WorkRequest(7));
        Assert.Equal(new WorkReply(7, "m1"), reply);
    }

    [Fact]
    public async Task Call_HandlersRunInline_AnswerAndFailAsOnThePool()
    {
        await using var hub = new BusHub(new BusHubOptions { AllowUnauthenticated = true });
        await using var member = await BusMember.JoinAsync(
            new BusMemberOptions { Endpoint = hub.Endpoints[0], Service = "work", Member = "inline", RunHandlersInline = true },
            s => s.Serve<IWork>(new Worker("inline")));
        var work = hub.Get<IWork>("work");

        var replies = await Task.WhenAll(Enumerable.Range(1, 50).Select(i => work.DoAsync(new WorkRequest(i)).AsTask()));
        var error = await Assert.ThrowsAsync<BusCallException>(async () => await work.DoAsync(new WorkRequest(99, Crash: true)));

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), replies.Select(r => r.Id));
        Assert.All(replies, r => Assert.Equal("inline", r.Member));
        Assert.Contains("request 99 is not welcome", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_HandlerThrows_TheCallerGetsItsMessageAndType_TheMemberServesOn()
    {
        await using var hub = new BusHub(new BusHubOptions { AllowUnauthenticated = true });
        await using var member = await BusMember.JoinAsync(
            new BusMemberOptions { Endpoint = hub.Endpoints[0], Service = "work", Member = "m1" },
            s => s.Serve<IWork>(new Worker("m1")));
        var work = hub.Get<IWork>("work");

        var error = await Assert.ThrowsAsync<BusCallException>(async () => await work.DoAsync(new WorkRequest(3, Crash: true)));

        Assert.Equal(BusFailure.Failed, error.Failure);
        Assert.Contains("request 3 is not welcome", error.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteType);
        Assert.Equal("m1", (await work.DoAsync(new WorkRequest(4))).Member);
    }

    [Fact]
    public async Task Call_AnswerOverTheLimit_RefusedInItsPlace()
    {
        await using var hub = new BusHub(new BusHubOptions { AllowUnauthenticated = true, MaxMessageBytes = 64 * 1024 });
        await using var member = await BusMember.JoinAsync(
            new BusMemberOptions { Endpoint = hub.Endpoints[0], Service = "work", Member = "big" },
            s => s.Serve<IWork>(new Worker("big", replyBytes: 200_000)));

        var error = await Assert.ThrowsAsync<BusCallException>(async () => await hub.Get<IWork>("work").DoAsync(new WorkRequest(1)));

        Assert.Contains("over the bus's limit of 65536", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ContractNoMemberServes_FailsNamingTheContractAndTheMembers()
    {
        await using var hub = new BusHub(new BusHubOptions { AllowUnauthenticated = true, NoMemberWait = TimeSpan.FromMilliseconds(200) });
        await using var member = await BusMember.JoinAsync(
            new BusMemberOptions { Endpoint = hub.Endpoints[0], Service = "work", Member = "m1" },
            s => s.Serve<IWork>(new Worker("m1")));

        var error = await Assert.ThrowsAsync<BusCallException>(async () => await hub.Get<IEcho>("work").EchoAsync(new EchoRequest("hi")));

        Assert.Equal(BusFailure.NoMember, error.Failure);
        Assert.Contains("test.echo/v1", error.Message, StringComparison.Ordinal);
        Assert.Contains("m1", error.Message, StringComparison.Ordinal);
    }
}
