using System.Text.Json.Nodes;

namespace Hotplug.Scripting.JavaScript.Tests;

/// <summary>The pool refuses a call at once when every engine is busy and the queue is full, and serves again after.</summary>
public sealed class PoolTests
{
    [Fact]
    public async Task Saturated_RefusesWithPoolFull_ThenRecovers()
    {
        await using var host = await TestHost.StartAsync();
        var probe = await host.InstallAsync("pool", Scripts.Probe, new JsonObject { ["pool"] = new JsonObject { ["min"] = 1, ["max"] = 1, ["queue"] = 1 } });

        var held = probe.ProbeAsync(new ProbeRequest("hold")).AsTask();
        await host.Service.Entered.Task.WaitAsync(TestHost.Guard);
        var queued = probe.ProbeAsync(new ProbeRequest("ok")).AsTask();
        Assert.True(SpinWait.SpinUntil(() => host.Pool("pool").Waiting == 1, TestHost.Guard));

        var refused = await Assert.ThrowsAsync<ScriptPoolFullException>(() => probe.ProbeAsync(new ProbeRequest("ok")).AsTask());
        Assert.Contains("all 1 script engines are busy and 1 calls already wait", refused.Message, StringComparison.Ordinal);
        Assert.False(held.IsCompleted);

        host.Service.Released.TrySetResult();
        Assert.Equal("held", (await held).Result);
        Assert.Equal("ok", (await queued).Result);
        Assert.Equal("ok", (await probe.ProbeAsync(new ProbeRequest("ok"))).Result);
        var pool = host.Pool("pool");
        Assert.Equal((1L, 0, 0, 0L), (pool.Refused, pool.Busy, pool.Waiting, pool.Discarded));
    }
}
