using System.Text.Json.Nodes;
using Hotplug.Scripting.Lua.Tests.Infrastructure;

namespace Hotplug.Scripting.Lua.Tests;

/// <summary>
/// Runaway loops, runaway recursion, memory bombs and huge results are each stopped with the caller's exception, the
/// engine that ran them is thrown away (the pool counts it, and the next call meets a new engine), and calls on the
/// other engines meanwhile all answer.
/// </summary>
public sealed class LimitTests
{
    private const string Script = """
        local ENGINE = tostring({})
        local cases = {}
        cases.identity = function() return ENGINE end
        cases.ok = function() return "ok" end
        cases.loop = function() while true do end end
        cases.repeat_loop = function() repeat until false end
        cases.pcall_loop = function() while true do pcall(function() while true do end end) end end
        cases.sort_loop = function() table.sort({ 3, 2, 1 }, function(a, b) while true do end end) end
        cases.gsub_loop = function() return (string.gsub("aaa", "a", function() while true do end end)) end
        cases.coroutine_loop = function()
          local co = coroutine.create(function() while true do end end)
          coroutine.resume(co)
        end
        cases.pattern_bomb = function() return tostring(string.find(string.rep("a", 60), string.rep("a-", 30) .. "b")) end
        cases.xpcall_loop = function() while true do xpcall(function() while true do end end, function() while true do end end) end end
        cases.recurse_add = function() local function f() return f() + 1 end return tostring(f()) end
        cases.recurse_global = function() function f() f() end f() end
        cases.recurse_pcall = function() local function f() pcall(f) end f() return "survived" end
        cases.memory_rep = function() return string.rep("x", 200 * 1024 * 1024) end
        cases.memory_hoard = function() local t, i = {}, 0 while true do i = i + 1; t[i] = { i, i, i } end end
        cases.memory_pcall = function()
          local t = {}
          while true do pcall(function() t[#t + 1] = string.rep("y", 4096) .. #t end) end
        end
        cases.output = function() return string.rep("z", 2 * 1024 * 1024) end
        function run(name) return cases[name]() end
        function reply(request)
          if request.name == "big" then
            local ids = {}
            for i = 1, 200000 do ids[i] = i end
            return { text = "big", ids = ids }
          end
          return { text = request.name, ids = {} }
        end
        """;

    public static TheoryData<string> Loops => ["loop", "repeat_loop", "pcall_loop", "sort_loop", "gsub_loop", "coroutine_loop", "xpcall_loop", "pattern_bomb"];

    public static TheoryData<string, ScriptLimit> Breaks => new()
    {
        { "recurse_add", ScriptLimit.Depth },
        { "recurse_global", ScriptLimit.Depth },
        { "recurse_pcall", ScriptLimit.Depth },
        { "memory_rep", ScriptLimit.Memory },
        { "memory_hoard", ScriptLimit.Memory },
        { "memory_pcall", ScriptLimit.Memory },
        { "output", ScriptLimit.Output },
    };

    [Theory]
    [MemberData(nameof(Loops))]
    public async Task RunawayLoop_TimesOut_EngineDiscarded_OthersServe(string name)
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await InstallAsync(host);

        var (error, answers) = await RunBesideGoodCallsAsync(host, probe, name);

        Assert.IsType<PluginTimeoutException>(error);
        Assert.All(answers, a => Assert.Equal("ok", a));
        Assert.Equal("ok", await probe.RunAsync("ok"));
    }

    [Theory]
    [MemberData(nameof(Breaks))]
    public async Task LimitBroken_Crashed_EngineDiscarded_OthersServe(string name, ScriptLimit limit)
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await InstallAsync(host, "30s");

        var (error, answers) = await RunBesideGoodCallsAsync(host, probe, name);

        var crashed = Assert.IsType<PluginCrashedException>(error);
        var inner = Assert.IsType<ScriptLimitException>(crashed.InnerException);
        Assert.Equal(limit, inner.Limit);
        Assert.All(answers, a => Assert.Equal("ok", a));
        Assert.Equal("ok", await probe.RunAsync("ok"));
    }

    [Fact]
    public async Task Interrupted_OneEngine_NextCallMeetsANewEngine()
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await host.InstallAsync("limits", Script, Entry(maxEngines: 1));
        var first = await probe.RunAsync("identity");
        Assert.Equal(first, await probe.RunAsync("identity"));

        await Assert.ThrowsAsync<PluginTimeoutException>(() => probe.RunAsync("pcall_loop").AsTask());

        Assert.NotEqual(first, await probe.RunAsync("identity"));
        Assert.Equal(1, host.Plugins.GetPlugin("limits")!.Pool!.Discarded);
    }

    [Fact]
    public async Task HugeMessage_OutputLimit_NamesTheLimit()
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await InstallAsync(host, "30s");

        var crashed = await Assert.ThrowsAsync<PluginCrashedException>(() => probe.ReplyAsync(new ProbeRequest("big", 1, [])).AsTask());

        Assert.Equal(ScriptLimit.Output, Assert.IsType<ScriptLimitException>(crashed.InnerException).Limit);
        Assert.Contains("limits.outputKb", crashed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemoryBytes_CountedByTheAllocator_ShowsTheHoard()
    {
        await using var host = await LuaHost.StartAsync();
        var probe = await host.InstallAsync("counted", """
            local hoard = {}
            function run(n) for i = 1, tonumber(n) do hoard[#hoard + 1] = string.rep("m", 1024) .. i end return tostring(collectgarbage("count")) end
            function reply(r) return { text = "", ids = {} } end
            """, Entry(maxEngines: 1));

        var before = double.Parse(await probe.RunAsync("0"), System.Globalization.CultureInfo.InvariantCulture);
        var after = double.Parse(await probe.RunAsync("4096"), System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(after - before > 4000, $"{before} KB, then {after} KB");
    }

    private static JsonObject Entry(int maxEngines = 4, string timeout = "500ms") => new()
    {
        ["pool"] = new JsonObject { ["min"] = 1, ["max"] = maxEngines, ["queue"] = 64 },
        ["limits"] = new JsonObject { ["timeout"] = timeout, ["memoryMb"] = 16, ["depth"] = 100, ["outputKb"] = 1024 },
    };

    // Loops must meet the timeout; a limit that is the test's point gets a timeout a loaded machine cannot reach first.
    private static Task<IProbe> InstallAsync(LuaHost host, string timeout = "2s") => host.InstallAsync("limits", Script, Entry(timeout: timeout));

    /// <summary>Starts the bad call, then good calls on the other engines while it runs; returns its error and their answers.</summary>
    private static async Task<(Exception Error, string[] Answers)> RunBesideGoodCallsAsync(LuaHost host, IProbe probe, string name)
    {
        var before = host.Plugins.GetPlugin("limits")!.Pool!.Discarded;
        var bad = Task.Run(() => probe.RunAsync(name).AsTask());
        var good = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var answers = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                answers.Add(await probe.RunAsync("ok"));
            }

            return answers;
        })).ToArray();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => bad.WaitAsync(LuaHost.Guard));
        var answers = (await Task.WhenAll(good).WaitAsync(LuaHost.Guard)).SelectMany(a => a).ToArray();
        Assert.Equal(60, answers.Length);
        Assert.True(host.Plugins.GetPlugin("limits")!.Pool!.Discarded > before, "the engine that broke its limit was not discarded");
        return (error, answers);
    }
}
