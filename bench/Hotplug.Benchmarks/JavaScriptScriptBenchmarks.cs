using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Hotplug.Scripting.JavaScript;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ranking.Contracts;

namespace Hotplug.Benchmarks;

/// <summary>
/// A ranking call into a JavaScript plugin (a user id and ten scored items in, ten ids out), three ways in one run: the
/// bare Jint call of the same function with no Hotplug (the request built as JavaScript objects, the ids read back to
/// .NET strings), the same with the limits the runtime sets (memory, depth, a deadline), and the contract call through
/// a real host's router (<c>host.Get&lt;IRanker&gt;</c>): pool, deadline, message conversion both ways, globals put back.
/// Then eight callers at once through the host, per call.
/// </summary>
[MemoryDiagnoser]
public class JavaScriptScriptBenchmarks
{
    private const int ConcurrentCallers = 8;
    private const int CallsPerCaller = 250;

    private const string Script = """
        function rank(request) {
          const items = request.items.slice().sort((a, b) => b.score - a.score);
          const ids = new Array(items.length);
          for (let i = 0; i < items.length; i++) ids[i] = items[i].id;
          return { ids, strategy: 'by score' };
        }
        """;

    private static readonly JsObjectLayout ItemLayout = new(["id", "score"]);
    private static readonly JsObjectLayout RequestLayout = new(["userId", "items"]);
    private static readonly JsString IdsKey = JsString.Create("ids");

    private readonly RankRequest _request = new("user-42", [.. Enumerable.Range(0, 10).Select(i => new RankItem($"item-{i}", (i * 37 % 11) / 10.0))]);
    private Engine _bare = null!;
    private JsValue _bareRank = null!;
    private Engine _limited = null!;
    private JsValue _limitedRank = null!;
    private Jint.Constraints.OperationDeadlineConstraint _deadline = null!;
    private IHost _host = null!;
    private IRanker _ranker = null!;
    private string _root = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bare = new Engine(o => o.Strict = true);
        _bare.Execute(Script);
        _bareRank = _bare.GetValue("rank");

        _deadline = new Jint.Constraints.OperationDeadlineConstraint();
        _limited = new Engine(o =>
        {
            o.Strict = true;
            o.LimitMemory(64L * 1024 * 1024);
            o.Constraints.MaxRecursionDepth = 200;
            o.Constraints.StackOverflowGuard = true;
            o.Constraint(_deadline);
        });
        _limited.Execute(Script);
        _limitedRank = _limited.GetValue("rank");

        _root = BenchPlugin.TempRoot();
        var folder = Path.Combine(_root, "plugins", "js-rank");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "rank.js"), Script);
        File.WriteAllText(Path.Combine(folder, "plugin.json"), new JsonObject
        {
            ["id"] = "js-rank",
            ["version"] = "1.0.0",
            ["runtime"] = "javascript",
            ["entry"] = new JsonObject { ["script"] = "rank.js", ["pool"] = new JsonObject { ["min"] = ConcurrentCallers, ["max"] = ConcurrentCallers } },
            ["contracts"] = new JsonArray("ranking/v1"),
        }.ToJsonString());
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHotplug(o =>
        {
            o.PluginsPath = Path.Combine(_root, "plugins");
            o.StatePath = Path.Combine(_root, "state");
            o.StabilityWindow = TimeSpan.Zero;
            o.RequireSignedPackages = false;
            o.RescanInterval = TimeSpan.FromMinutes(10);
        }).AddJavaScriptRuntime();
        _host = builder.Build();
        _host.StartAsync().GetAwaiter().GetResult();
        _host.Services.GetRequiredService<IPluginAdmin>().RescanAsync().GetAwaiter().GetResult();
        _ranker = _host.Services.GetRequiredService<IPluginHost>().Get<IRanker>("js-rank");
        if (Contract().Count != 10 || Bare().Count != 10 || BareWithLimits().Count != 10)
        {
            throw new InvalidOperationException("the ranking script did not answer ten ids");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
        _bare.Dispose();
        _limited.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "bare Jint call (no Hotplug)")]
    public IReadOnlyList<string> Bare() => Rank(_bare, _bareRank);

    [Benchmark(Description = "bare Jint call with the runtime's limits")]
    public IReadOnlyList<string> BareWithLimits()
    {
        _deadline.Begin(TimeSpan.FromSeconds(30));
        try
        {
            return Rank(_limited, _limitedRank);
        }
        finally
        {
            _deadline.End();
        }
    }

    [Benchmark(Description = "contract call through the host (Get<IRanker>)")]
    public IReadOnlyList<string> Contract()
    {
        var pending = _ranker.RankAsync(_request);
        return (pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult()).Ids;
    }

    [Benchmark(OperationsPerInvoke = ConcurrentCallers * CallsPerCaller, Description = "contract call, 8 concurrent callers (per call)")]
    public void ContractConcurrent()
    {
        var callers = new Task[ConcurrentCallers];
        for (var c = 0; c < callers.Length; c++)
        {
            callers[c] = Task.Run(async () =>
            {
                for (var i = 0; i < CallsPerCaller; i++)
                {
                    await _ranker.RankAsync(_request).ConfigureAwait(false);
                }
            });
        }

        Task.WaitAll(callers);
    }

    /// <summary>What any host of Jint does for this call: the request as JavaScript objects, the call, the ids read back.</summary>
    private IReadOnlyList<string> Rank(Engine engine, JsValue rank)
    {
        var items = new JsValue[_request.Items.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = JsObject.Create(engine, ItemLayout, [JsString.Create(_request.Items[i].Id), JsNumber.Create(_request.Items[i].Score)]);
        }

        var request = JsObject.Create(engine, RequestLayout, [JsString.Create(_request.UserId), new JsArray(engine, items)]);
        var result = (ObjectInstance)engine.Invoke(rank, JsValue.Undefined, [request]);
        var ids = (ObjectInstance)result.Get(IdsKey);
        var count = (int)Jint.Runtime.TypeConverter.ToLength(ids.Get("length"));
        var answer = new string[count];
        for (var i = 0; i < count; i++)
        {
            answer[i] = ids.Get(i).ToString();
        }

        return answer;
    }
}
