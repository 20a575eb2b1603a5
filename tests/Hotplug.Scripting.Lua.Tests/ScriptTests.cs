using System.Text.Json.Nodes;
using Hotplug.Scripting.Lua.Tests.Infrastructure;

namespace Hotplug.Scripting.Lua.Tests;

/// <summary>Errors, values that do not fit, syntax errors, the script's own start/health/stop, and what a script sees.</summary>
public sealed class ScriptTests
{
    private const string Script = """
        local started = 0
        function start() started = started + 1; log.info("started " .. plugin.id .. " " .. plugin.version) end
        function stop() log.warn("stopped") end
        function health()
          local mode = state.get("health")
          if mode == "degraded" then return "cache is cold" end
          if mode == "down" then return false end
          if mode == "table" then return { status = "degraded", reason = "half the shards" } end
          return true
        end

        function run(name)
          if name == "boom" then error("boom at line 13") end
          if name == "raise_table" then error({ code = 1 }) end
          if name == "set_state" then state.set("counter", (state.get("counter") or 0) + 1) return tostring(state.get("counter")) end
          if name == "bad_state" then return tostring(pcall(state.set, "k", {})) end
          if name == "config" then return config.greeting .. " " .. config.nested.depth .. " " .. tostring(config.missing) end
          if name == "greet" then return services.greeter.greet("lua") end
          if name == "greet_in_coroutine" then return coroutine.wrap(function() return services.greeter.greet("co") end)() end
          if name == "score" then return tostring(services.greeter.score({ id = 7, score = 1.25 })) end
          if name == "bad_service_arg" then return tostring(pcall(services.greeter.score, { id = "seven", score = 1 })) end
          if name == "log" then log.debug("d"); log.info("i"); log.warn("w"); log.error("lua error line"); return "logged" end
          if name == "started" then return tostring(started) end
          if name:sub(1, 7) == "health:" then state.set("health", name:sub(8)) return "set" end
          return name
        end

        function reply(request)
          local name = request.name
          if name == "bad_id" then return { text = "x", ids = { 1, "two", 3 } } end
          if name == "no_text" then return { ids = {} } end
          if name == "not_table" then return 42 end
          if name == "best_wrong" then return { text = "x", ids = {}, best = { id = 1.5, score = 1 } } end
          local ids, best = {}, nil
          for i, item in ipairs(request.items) do
            ids[i] = item.id
            if best == nil or item.score > best.score then best = item end
          end
          return { text = "user " .. request.userId, ids = ids, best = best }
        end
        """;

    [Fact]
    public async Task ScriptError_InvocationException_WithTheMessageAndLine_EngineKept()
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await InstallAsync(host);

        var error = await Assert.ThrowsAsync<PluginInvocationException>(() => probe.RunAsync("boom").AsTask());
        var table = await Assert.ThrowsAsync<PluginInvocationException>(() => probe.RunAsync("raise_table").AsTask());

        Assert.Contains("probe.lua:13: boom at line 13", error.Message, StringComparison.Ordinal);
        Assert.Contains("not text: a table", table.Message, StringComparison.Ordinal);
        Assert.Equal("fine", await probe.RunAsync("fine"));
        Assert.Equal(0, host.Plugins.GetPlugin("script")!.Pool!.Discarded);
    }

    [Theory]
    [InlineData("bad_id", "result.ids[2]", "expected a whole number, got text")]
    [InlineData("no_text", "result.text", "expected text, got nothing (nil)")]
    [InlineData("not_table", "result", "expected a ProbeReply message, got a number")]
    [InlineData("best_wrong", "result.best.id", "expected a whole number, got the number 1.5")]
    public async Task WrongShape_ErrorNamesFunctionAndPath(string name, string path, string problem)
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await InstallAsync(host);

        var error = await Assert.ThrowsAsync<PluginInvocationException>(() => probe.ReplyAsync(new ProbeRequest(name, 1, [])).AsTask());

        Assert.Contains($"reply returned a value that does not fit at {path}: {problem}.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Message_RoundTrips_RecordsListsIntegersAndNulls()
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await InstallAsync(host);

        var reply = await probe.ReplyAsync(new ProbeRequest("x", 9_007_199_254_740_993, [new(long.MaxValue, 0.5), new(2, 3.5)]));
        var empty = await probe.ReplyAsync(new ProbeRequest("x", 1, []));

        Assert.Equal("user 9007199254740993", reply.Text);
        Assert.Equal([long.MaxValue, 2L], reply.Ids);
        Assert.Equal(new ProbeItem(2, 3.5), reply.Best);
        Assert.Null(empty.Best);
    }

    [Fact]
    public async Task SyntaxError_StartFails_WithFileLineAndColumn()
    {
        await using var host = await LuaHost.StartAsync();
        var failed = host.WaitForAsync("broken", PluginVersionState.Failed);
        host.Write("broken", "function run(name)\n  return name +\nend\n");

        var change = await failed;

        Assert.Contains("probe.lua(3,0): probe.lua:3: unexpected symbol near 'end'", change.Reason, StringComparison.Ordinal);
        Assert.IsType<PluginUnavailableException>(await Assert.ThrowsAnyAsync<PluginException>(() => host.Plugins.Get<IProbe>("broken").RunAsync("x").AsTask()));
    }

    [Fact]
    public async Task StartHealthStop_RunAndReport()
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await InstallAsync(host);
        await host.Logs.WhenLogged("started script 1.0.0");
        Assert.Equal("1", await probe.RunAsync("started"));

        foreach (var (mode, state, reason) in new[]
        {
            ("degraded", PluginVersionState.Degraded, "cache is cold"),
            ("healthy", PluginVersionState.Healthy, (string?)null),
            ("down", PluginVersionState.Degraded, "health() returned false"),
            ("healthy", PluginVersionState.Healthy, null),
            ("table", PluginVersionState.Degraded, "half the shards"),
        })
        {
            var changed = host.WaitForAsync("script", state);
            Assert.Equal("set", await probe.RunAsync("health:" + mode));
            var change = await changed;
            if (reason is not null)
            {
                Assert.Contains(reason, change.Reason, StringComparison.Ordinal);
            }
        }

        var stopped = host.Logs.WhenLogged("stopped");
        Directory.Delete(host.Folder("script"), recursive: true);
        await stopped;
    }

    [Fact]
    public async Task ScriptSees_StateConfigLogAndServices()
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await InstallAsync(host);

        Assert.Equal("1", await probe.RunAsync("set_state"));
        Assert.Equal("2", await probe.RunAsync("set_state"));
        Assert.Equal("false", await probe.RunAsync("bad_state"));
        Assert.Equal("hi 3 nil", await probe.RunAsync("config"));
        Assert.Equal("hello, lua", await probe.RunAsync("greet"));
        Assert.Equal("hello, co", await probe.RunAsync("greet_in_coroutine"));
        Assert.Equal("2.5", await probe.RunAsync("score"));
        Assert.Equal("false", await probe.RunAsync("bad_service_arg"));
        Assert.Equal("logged", await probe.RunAsync("log"));
        await host.Logs.WhenLogged("lua error line");
        Assert.Contains(host.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Text.EndsWith(": w", StringComparison.Ordinal));
        Assert.Contains(host.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Text.EndsWith("lua error line", StringComparison.Ordinal));
    }

    private static Task<IProbe> InstallAsync(LuaHost host) => host.InstallAsync(
        "script",
        Script,
        new JsonObject { ["pool"] = new JsonObject { ["min"] = 1, ["max"] = 2 } },
        new JsonObject { ["greeting"] = "hi", ["nested"] = new JsonObject { ["depth"] = "3" } });
}
