using Hotplug.TestContracts;

namespace Hotplug.Bus.Tests;

/// <summary>Surveys across processes: every member asked once, the deadline kept, late answers dropped and never given to the next survey.</summary>
public sealed class SurveyTests
{
    [Fact]
    public async Task Survey_GathersTheAnswersBeforeTheDeadline_LateOnesAreDroppedAndCounted()
    {
        await using var hub = Hubs.Open();
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1");
        await using var w2 = await Worker.StartAsync(hub.Endpoints[0], "w2");
        await using var late = await Worker.StartAsync(hub.Endpoints[0], "late", "work", "--call-delay", "4000");
        await hub.UntilOnlineAsync(3);

        var first = await hub.SurveyAsync<IWork, WorkReply>("work", w => w.DoAsync(new WorkRequest(1)), TimeSpan.FromSeconds(2));

        Assert.Equal(3, first.Asked);
        Assert.Equal(["w1", "w2"], first.Answers.Select(a => a.Member).Order());
        Assert.All(first.Answers, a => Assert.Equal(1, a.Answer.Id));

        // The late member answers the first survey while the second runs: that answer is not the second's.
        var second = await hub.SurveyAsync<IWork, WorkReply>("work", w => w.DoAsync(new WorkRequest(2)), TimeSpan.FromSeconds(30));

        Assert.Equal(["late", "w1", "w2"], second.Answers.Select(a => a.Member).Order());
        Assert.All(second.Answers, a => Assert.Equal(2, a.Answer.Id));
        Assert.True(hub.LateAnswers >= 1, $"late answers: {hub.LateAnswers}");
    }

    [Fact]
    public async Task Survey_NoMemberOnline_ReturnsAtOnceWithNone()
    {
        await using var hub = Hubs.Open();

        var result = await hub.SurveyAsync<IWork, WorkReply>("work", w => w.DoAsync(new WorkRequest(1)), TimeSpan.FromMinutes(5));

        Assert.Equal(0, result.Asked);
        Assert.Empty(result.Answers);
    }
}
