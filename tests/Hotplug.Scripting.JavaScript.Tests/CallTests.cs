using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Hotplug.Scripting.JavaScript.Tests;

/// <summary>Calls into a script: what it sees, what it leaves behind, its errors and its messages.</summary>
public sealed class CallTests
{
    private static JsonObject OneEngine => new() { ["pool"] = new JsonObject { ["min"] = 1, ["max"] = 1 } };

    [Fact]
    public async Task Globals_SetByOneCall_NotSeenByTheNextOnTheSameEngine()
    {
        await using var host = await TestHost.StartAsync();
        var probe = await host.InstallAsync("state", Scripts.Probe, OneEngine);

        Assert.Equal("counter 101, calls 1, memo 1", (await probe.ProbeAsync(new ProbeRequest("set-global", "secret"))).Result);
        var second = await probe.ProbeAsync(new ProbeRequest("read-global"));

        // A new global was refused (TypeError), the var the call changed is put back. A top-level let and what a
        // top-level const holds are the engine's own closure state (a cache, on purpose), as the docs say.
        Assert.Equal("undefined, counter 0, calls 1, memo 1", second.Result);
        Assert.Equal(1, host.Pool("state").Size);
    }

    [Fact]
    public async Task ScriptThrows_InvocationErrorWithItsMessageAndLine_EngineKept()
    {
        await using var host = await TestHost.StartAsync();
        var probe = await host.InstallAsync("errors", Scripts.Probe, OneEngine);

        var error = await Assert.ThrowsAsync<PluginInvocationException>(() => probe.ProbeAsync(new ProbeRequest("throw")).AsTask());
        var text = await Assert.ThrowsAsync<PluginInvocationException>(() => probe.ProbeAsync(new ProbeRequest("throw-text")).AsTask());

        Assert.Contains("probe: the script failed on purpose (probe.js:", error.Message, StringComparison.Ordinal);
        Assert.Contains("probe: plain text", text.Message, StringComparison.Ordinal);
        Assert.Equal("ok", (await probe.ProbeAsync(new ProbeRequest("ok"))).Result);
        Assert.Equal(0, host.Pool("errors").Discarded);
    }

    [Theory]
    [InlineData("misfit", "probe returned a value that does not fit at result.result: expected text, got a whole number.")]
    [InlineData("misfit-list", "probe returned a value that does not fit at result.ids[1]: expected a whole number, got text.")]
    [InlineData("missing", "probe returned a value that does not fit at result.result: expected text, got nothing (null/undefined).")]
    [InlineData("nothing", "probe returned a value that does not fit at result: expected a ProbeReply message, got nothing (null/undefined).")]
    public async Task WrongShape_ErrorNamesFunctionAndFieldPath(string name, string message)
    {
        await using var host = await TestHost.StartAsync();
        var probe = await host.InstallAsync("shapes", Scripts.Probe, OneEngine);

        var error = await Assert.ThrowsAsync<PluginInvocationException>(() => probe.ProbeAsync(new ProbeRequest(name)).AsTask());

        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), error.Message);
        Assert.Equal(0, host.Pool("shapes").Discarded);
    }

    [Fact]
    public async Task SyntaxError_StartRefusedWithFileLineAndColumn()
    {
        await using var host = await TestHost.StartAsync();
        var failed = host.WaitForAsync(c => c.PluginId == "broken" && c.VersionState is PluginVersionState.Failed or PluginVersionState.Rejected);

        host.Install("broken", "function probe(request) {\n  return { result: };\n}\n");
        var change = await failed;

        Assert.Contains("probe.js(2,20): Unexpected token '}'", change.Reason, StringComparison.Ordinal);
        Assert.Contains("probe.js(2,20)", host.Plugins.GetPlugin("broken")!.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_EveryKindRoundTrips()
    {
        await using var host = await TestHost.StartAsync();
        var probe = await host.InstallAsync("messages", Scripts.Probe, OneEngine);
        var when = new DateTimeOffset(2026, 12, 1, 10, 30, 0, TimeSpan.FromHours(1));

        var reply = await probe.TypedAsync(new Typed(1L << 40, 1.25, true, Shade.DarkBlue, new Dictionary<string, int> { ["a"] = 1 }, when, ["x"], null));

        Assert.Equal((1L << 40) + 1, reply.Big);
        Assert.Equal(2.5, reply.Ratio);
        Assert.False(reply.Flag);
        Assert.Equal(Shade.Red, reply.Shade);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["js"] = 1 }, reply.Scores);
        Assert.Equal(when, reply.When);
        Assert.Equal(["x", "number"], reply.Tags);
        Assert.Null(reply.Missing);
        Assert.Equal([1, 2, 3], (await probe.ProbeAsync(new ProbeRequest("ids", "1,2,3"))).Ids);
        Assert.Equal([1, 2], (await probe.ProbeAsync(new ProbeRequest("bigint"))).Ids);
        Assert.Equal("through a proxy", (await probe.ProbeAsync(new ProbeRequest("proxy"))).Result);
    }

    [Fact]
    public async Task StateConfigLogAndServices_AsTheDocsDescribe()
    {
        await using var host = await TestHost.StartAsync();
        var config = new JsonObject { ["boost"] = "0.5", ["nested"] = new JsonObject { ["level"] = "3" } };
        var probe = await host.InstallAsync("given", Scripts.Probe, new JsonObject { ["pool"] = new JsonObject { ["min"] = 2, ["max"] = 2 } }, config);

        // state is shared by the version's engines: two calls at once reach both.
        await Task.WhenAll(probe.ProbeAsync(new ProbeRequest("state-set", "shared")).AsTask(), probe.ProbeAsync(new ProbeRequest("ok")).AsTask());
        var reads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => probe.ProbeAsync(new ProbeRequest("state-get")).AsTask()));
        Assert.All(reads, r => Assert.Equal("shared", r.Result));
        Assert.Equal("TypeError: state.set('key'): only null, booleans, numbers and text can be kept, not an object", (await probe.ProbeAsync(new ProbeRequest("state-bad"))).Result);

        Assert.Equal("0.5|3|true|undefined", (await probe.ProbeAsync(new ProbeRequest("config"))).Result);

        Assert.Equal("logged", (await probe.ProbeAsync(new ProbeRequest("log"))).Result);
        var logged = host.Logs.Entries.Select(e => (e.Level, e.Text)).ToList();
        Assert.Contains((LogLevel.Information, "info from given"), logged);
        Assert.Contains((LogLevel.Warning, "a warning"), logged);
        Assert.Contains((LogLevel.Error, "an error"), logged);
        Assert.Contains((LogLevel.Debug, "a detail"), logged);
        Assert.Contains((LogLevel.Information, "started given"), logged);

        Assert.Equal("42", (await probe.ProbeAsync(new ProbeRequest("service"))).Result);
        Assert.Equal("kept", (await probe.ProbeAsync(new ProbeRequest("service-remember", "kept"))).Result);
        Assert.Equal("kept", host.Service.Recall());
    }
}
