using System.Text.Json.Nodes;

namespace Hotplug.Scripting.JavaScript.Tests;

/// <summary>
/// A runaway loop, a runaway recursion, a memory bomb and a huge result are each stopped, with the error a caller can
/// tell apart, and their engine is thrown away, while calls on the pool's other engines go on answering.
/// </summary>
public sealed class LimitsTests
{
    /// <summary>
    /// Generous for a slow, loaded machine: only the runaway call comes near it. The good calls beside it run under the
    /// same timeout while the pool makes engines, on cores the runaway keeps busy.
    /// </summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static TheoryData<string, ScriptLimit?> Runaways => new()
    {
        { "loop", null },
        { "getter-loop", null },
        { "proxy-loop", null },
        { "recurse", ScriptLimit.Depth },
        { "getter-recursion", ScriptLimit.Depth },
        { "memory", ScriptLimit.Memory },
        { "output", ScriptLimit.Output },
        { "output-list", ScriptLimit.Output },
    };

    [Theory]
    [MemberData(nameof(Runaways))]
    public async Task Runaway_StoppedAndEngineDiscarded_WhileOtherEnginesServe(string name, ScriptLimit? limit)
    {
        await using var host = await TestHost.StartAsync();
        // A runaway past another limit gets a long timeout: on a loaded machine the limit it tests must come first.
        var probe = await host.InstallAsync("limits", Scripts.Probe, Entry(limit is null ? "3s" : "20s"));

        var runaway = Task.Run(() => probe.ProbeAsync(new ProbeRequest(name)).AsTask());
        // Good callers keep calling until the runaway call has ended: their calls overlap it, on the other engines.
        var callers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var answered = 0;
            do
            {
                Assert.Equal("ok", (await probe.ProbeAsync(new ProbeRequest("ok"))).Result);
                answered++;
            }
            while (!runaway.IsCompleted);
            return answered;
        })).ToArray();

        var error = await Assert.ThrowsAnyAsync<PluginException>(() => runaway);
        var answers = await Task.WhenAll(callers);

        if (limit is { } expected)
        {
            var crashed = Assert.IsType<PluginCrashedException>(error);
            Assert.Equal(expected, Assert.IsType<ScriptLimitException>(crashed.InnerException).Limit);
            Assert.Contains("Its engine was discarded", crashed.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(Timeout, Assert.IsType<PluginTimeoutException>(error).Timeout);
        }

        Assert.All(answers, count => Assert.True(count > 0));
        Assert.Equal(1, host.Pool("limits").Discarded);
        Assert.Equal("ok", (await probe.ProbeAsync(new ProbeRequest("ok"))).Result);
    }

    [Fact]
    public async Task CyclicResult_OfARecursiveMessage_RefusedAsTooDeep()
    {
        await using var host = await TestHost.StartAsync();
        var probe = await host.InstallAsync("limits", Scripts.Probe, Entry("20s"));

        Assert.Equal("n2", (await probe.TreeAsync(3)).Name);
        var crashed = await Assert.ThrowsAsync<PluginCrashedException>(() => probe.TreeAsync(-1).AsTask());

        Assert.Equal(ScriptLimit.Depth, Assert.IsType<ScriptLimitException>(crashed.InnerException).Limit);
        Assert.Contains("tree returned a value nested deeper than 100 levels", crashed.Message, StringComparison.Ordinal);
    }

    private static JsonObject Entry(string timeout) => new()
    {
        ["pool"] = new JsonObject { ["min"] = 1, ["max"] = 4 },
        ["limits"] = new JsonObject { ["timeout"] = timeout, ["memoryMb"] = 16, ["depth"] = 100, ["outputKb"] = 64 },
    };
}
