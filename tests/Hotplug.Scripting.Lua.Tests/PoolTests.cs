using System.Text.Json.Nodes;
using Hotplug.Scripting.Lua.Tests.Infrastructure;

namespace Hotplug.Scripting.Lua.Tests;

/// <summary>A saturated pool refuses at once and recovers; nothing of a call's globals reaches the next.</summary>
public sealed class PoolTests
{
    private const string Script = """
        local calls = 0
        function run(name)
          calls = calls + 1
          if name == "hold" then services.greeter.wait("gate") return "held" end
          if name == "set" then leaked = "yes"; _G.viaG = "yes"; string_backup = string; return "set" end
          if name == "get" then return tostring(leaked) .. " " .. tostring(viaG) .. " " .. tostring(string_backup) end
          if name == "calls" then return tostring(calls) end
          return name
        end
        function reply(r) return { text = r.name, ids = {} } end
        """;

    [Fact]
    public async Task Saturated_RefusesWithPoolFull_ThenRecovers()
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await host.InstallAsync("pool", Script, new JsonObject { ["pool"] = new JsonObject { ["min"] = 1, ["max"] = 1, ["queue"] = 1 } });

        var held = probe.RunAsync("hold").AsTask();
        await host.Greeter.WhenEntered("gate");
        var queued = probe.RunAsync("queued").AsTask();
        var refused = await Assert.ThrowsAsync<ScriptPoolFullException>(() => probe.RunAsync("refused").AsTask());

        Assert.Contains("all 1 script engines are busy and 1 calls already wait", refused.Message, StringComparison.Ordinal);
        var status = host.Plugins.GetPlugin("pool")!.Pool!;
        Assert.Equal((1, 1, 1, 1L), (status.Busy, status.Waiting, status.QueueLimit, status.Refused));

        host.Greeter.Open("gate");
        Assert.Equal("held", await held);
        Assert.Equal("queued", await queued);
        Assert.Equal("again", await probe.RunAsync("again"));
        Assert.Equal(0, host.Plugins.GetPlugin("pool")!.Pool!.Busy);
    }

    [Fact]
    public async Task Globals_WrittenByOneCall_NotSeenByTheNext_OnTheSameEngine()
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await host.InstallAsync("leak", Script, new JsonObject { ["pool"] = new JsonObject { ["min"] = 1, ["max"] = 1 } });

        Assert.Equal("set", await probe.RunAsync("set"));
        Assert.Equal("nil nil nil", await probe.RunAsync("get"));

        // The same engine served both: its top-level local counted every call (what persists on purpose).
        Assert.Equal("3", await probe.RunAsync("calls"));
    }
}
