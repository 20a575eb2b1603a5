using BenchmarkDotNet.Attributes;
using Hotplug.Contracts;
using Hotplug.Scripting;
using Hotplug.Scripting.Lua.Internal;
using KeraLua;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hotplug.Benchmarks.LuaScripts;

/// <summary>The contract the Lua benchmark's script implements.</summary>
[PluginContract("bench.lua-rank/v1")]
public interface ILuaRanker
{
    /// <summary>Ranks a user's scored items.</summary>
    ValueTask<LuaRankReply> RankAsync(LuaRankRequest request, CancellationToken cancellationToken = default);
}

/// <summary>A user and ten scored items.</summary>
public sealed record LuaRankRequest(long UserId, IReadOnlyList<LuaScoredItem> Items);

/// <summary>A scored item.</summary>
public sealed record LuaScoredItem(long Id, double Score);

/// <summary>The ids, ranked.</summary>
public sealed record LuaRankReply(IReadOnlyList<long> Ids);

/// <summary>
/// One Lua function (a user id and ten scored items in, ten ids out) called four ways in one run: through KeraLua's
/// own API on a plain state (the raw floor), on this runtime's engine directly (no Hotplug), as a contract call
/// through a real host (<c>host.Get&lt;T&gt;(id)</c>), and by eight concurrent callers through the host (per call).
/// </summary>
[MemoryDiagnoser]
public class LuaScriptBenchmarks
{
    private const int CallsPerCaller = 250;
    private const string Script = """
        function rank(request)
          local ids = {}
          for i, item in ipairs(request.items) do
            if item.score >= 0 then ids[#ids + 1] = item.id end
          end
          return { ids = ids }
        end
        """;

    private readonly LuaRankRequest _request = new(42, [.. Enumerable.Range(1, 10).Select(i => new LuaScoredItem(i, 1.0 / i))]);
    private KeraLua.Lua _raw = null!;
    private IScriptEngine _engine = null!;
    private ScriptOperation _operation = null!;
    private IHost _host = null!;
    private ILuaRanker _ranker = null!;
    private string _root = null!;

    [GlobalSetup]
    public void Setup()
    {
        _raw = new KeraLua.Lua(openLibs: true);
        if (_raw.DoString(Script))
        {
            throw new InvalidOperationException(_raw.ToString(-1));
        }

        var program = new LuaLanguage().Compile(new ScriptSource("rank.lua", "rank.lua", Script));
        _engine = program.CreateEngine(new ScriptEnvironment
        {
            PluginId = "bench",
            Version = "1.0.0",
            Config = new Dictionary<string, object?>(),
            Logger = NullLogger.Instance,
            State = new ScriptState(),
            Services = [],
            Limits = ScriptLimits.Default,
            ScriptName = "rank.lua",
        });
        _operation = new ScriptOperation(ContractDescriptor.For(typeof(ILuaRanker)).Operations[0], 1);

        _root = BenchPlugin.TempRoot();
        var folder = Path.Combine(_root, "plugins", "lua-bench");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "rank.lua"), Script);
        File.WriteAllText(Path.Combine(folder, "plugin.json"), """
            { "id": "lua-bench", "version": "1.0.0", "runtime": "lua", "entry": { "script": "rank.lua", "pool": { "min": 2, "max": 8 } }, "contracts": ["bench.lua-rank/v1"] }
            """);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = Path.Combine(_root, "plugins");
                o.StatePath = Path.Combine(_root, "state");
                o.StabilityWindow = TimeSpan.Zero;
                o.RequireSignedPackages = false;
            })
            .AddLuaRuntime();
        _host = builder.Build();
        _host.StartAsync().GetAwaiter().GetResult();
        var plugins = _host.Services.GetRequiredService<IPluginHost>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (plugins.GetPlugin("lua-bench")?.State != PluginState.Healthy)
        {
            // Setup only: nothing to wait on but the host's state.
            Thread.Sleep(10);
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("lua-bench did not become healthy.");
            }
        }

        _ranker = plugins.Get<ILuaRanker>("lua-bench");
        if (Raw() != 10 || Engine() != 10 || ThroughHost() != 10)
        {
            throw new InvalidOperationException("The three calls do not agree.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
        _engine.Dispose();
        _raw.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>KeraLua's API on a plain state: the request built field by field, the ids read back into a list.</summary>
    [Benchmark(Baseline = true, Description = "raw KeraLua call (plain state, KeraLua API)")]
    public int Raw()
    {
        var L = _raw;
        L.GetGlobal("rank");
        L.CreateTable(0, 2);
        L.PushInteger(_request.UserId);
        L.SetField(-2, "userId");
        L.CreateTable(_request.Items.Count, 0);
        for (var i = 0; i < _request.Items.Count; i++)
        {
            var item = _request.Items[i];
            L.CreateTable(0, 2);
            L.PushInteger(item.Id);
            L.SetField(-2, "id");
            L.PushNumber(item.Score);
            L.SetField(-2, "score");
            L.RawSetInteger(-2, i + 1);
        }

        L.SetField(-2, "items");
        if (L.PCall(1, 1, 0) != LuaStatus.OK)
        {
            throw new InvalidOperationException(L.ToString(-1));
        }

        L.GetField(-1, "ids");
        var count = (int)L.RawLen(-1);
        var ids = new long[count];
        for (var i = 0; i < count; i++)
        {
            L.RawGetInteger(-1, i + 1);
            ids[i] = L.ToInteger(-1);
            L.Pop(1);
        }

        L.Pop(2);
        return new LuaRankReply(ids).Ids.Count;
    }

    /// <summary>This runtime's engine, called directly: message shapes, limits armed, globals reset, no host.</summary>
    [Benchmark(Description = "Lua engine call (Hotplug.Scripting.Lua, no host)")]
    public int Engine()
    {
        var task = _engine.InvokeAsync(_operation, [_request], CancellationToken.None);
        return ((LuaRankReply)task.Result!).Ids.Count;
    }

    /// <summary>The contract call through a real host: router, proxy, pool, deadline, engine.</summary>
    [Benchmark(Description = "contract call through the host, 1 caller")]
    public int ThroughHost()
    {
        var task = _ranker.RankAsync(_request);
        return task.IsCompletedSuccessfully ? task.Result.Ids.Count : task.AsTask().GetAwaiter().GetResult().Ids.Count;
    }

    /// <summary>Eight callers at once through the host, each making its calls in turn; the figure is per call.</summary>
    [Benchmark(OperationsPerInvoke = 8 * CallsPerCaller, Description = "contract call through the host, 8 concurrent callers (per call)")]
    public Task HostConcurrent()
    {
        var callers = new Task[8];
        for (var c = 0; c < callers.Length; c++)
        {
            callers[c] = Task.Run(async () =>
            {
                for (var i = 0; i < CallsPerCaller; i++)
                {
                    await _ranker.RankAsync(_request);
                }
            });
        }

        return Task.WhenAll(callers);
    }
}
