using System.Text.Json;
using System.Text.Json.Nodes;
using Bench.Contracts;
using BenchmarkDotNet.Attributes;
using Hotplug.Runtimes;
using Hotplug.Scripting.CSharp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hotplug.Benchmarks;

/// <summary>
/// A small contract call (a user id and ten scored items, answered with the ten ids) into a C# source plugin and into
/// the same code built as an assembly plugin, in one run: the bare call on the compiled plugin's object, the contract
/// call through a real host's router, and eight concurrent callers (per call).
/// </summary>
[MemoryDiagnoser]
public class CSharpScriptBenchmarks
{
    private const int Callers = 8;
    private const int CallsPerCaller = 2_000;

    private static readonly RankRequest Request = new(42, [.. Enumerable.Range(1, 10).Select(i => new ScoredItem(i * 1_001, (i * 37 % 11) / 10.0))]);

    private string _root = null!;
    private IHost _host = null!;
    private IRanker _bare = null!;
    private IRanker _csharp = null!;
    private IRanker _assembly = null!;
    private IPluginVersion _bareVersion = null!;

    [GlobalSetup]
    public void Setup()
    {
        _root = BenchPlugin.TempRoot();
        var plugins = Path.Combine(_root, "plugins");
        CSharpRanker.Write(Path.Combine(plugins, "ranker-cs"), "ranker-cs");
        WriteAssemblyRanker(Path.Combine(plugins, "ranker-asm"));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = plugins;
                o.StatePath = Path.Combine(_root, "state");
                o.RequireSignedPackages = false;
            })
            .AddCSharpScriptRuntime();
        _host = builder.Build();
        var host = _host.Services.GetRequiredService<IPluginHost>();
        var ready = WhenHealthy(host, "ranker-cs", "ranker-asm");
        _host.StartAsync().GetAwaiter().GetResult();
        ready.WaitAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        _csharp = host.Get<IRanker>("ranker-cs");
        _assembly = host.Get<IRanker>("ranker-asm");

        // The bare engine call: the compiled plugin's own object, from the runtime alone, no host or router.
        _bareVersion = CSharpRanker.StartVersion(Path.Combine(plugins, "ranker-cs"), Path.Combine(_root, "bare-state"));
        _bare = (IRanker)_bareVersion.GetContract(typeof(IRanker))!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
        _bareVersion.ReleaseAsync(TimeSpan.Zero, new CancellationToken(canceled: true)).AsTask().GetAwaiter().GetResult();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "bare call: C# source plugin's object")]
    public int Bare() => Call(_bare);

    [Benchmark(Description = "contract call: C# source plugin (host router)")]
    public int CSharpSource() => Call(_csharp);

    [Benchmark(Description = "contract call: assembly plugin (host router)")]
    public int Assembly() => Call(_assembly);

    [Benchmark(OperationsPerInvoke = Callers * CallsPerCaller, Description = "8 callers, per call: C# source plugin")]
    public Task CSharpSourceConcurrent() => Concurrent(_csharp);

    [Benchmark(OperationsPerInvoke = Callers * CallsPerCaller, Description = "8 callers, per call: assembly plugin")]
    public Task AssemblyConcurrent() => Concurrent(_assembly);

    private static int Call(IRanker ranker)
    {
        var task = ranker.RankAsync(Request);
        return task.IsCompletedSuccessfully ? task.Result.Ids.Count : -1;
    }

    private static Task Concurrent(IRanker ranker) => Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
    {
        for (var i = 0; i < CallsPerCaller; i++)
        {
            await ranker.RankAsync(Request).ConfigureAwait(false);
        }
    })));

    private static void WriteAssemblyRanker(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(BenchPlugin.BuildOutput))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        }

        File.WriteAllText(Path.Combine(folder, "plugin.json"), new JsonObject
        {
            ["id"] = "ranker-asm",
            ["version"] = "1.0.0",
            ["runtime"] = "assembly",
            ["entry"] = new JsonObject { ["assembly"] = "Bench.Plugin.dll", ["type"] = "Bench.Plugin.RankerPlugin" },
            ["contracts"] = new JsonArray("bench.ranker/v1"),
        }.ToJsonString());
    }

    private static Task WhenHealthy(IPluginHost host, params string[] ids)
    {
        var waiting = new HashSet<string>(ids);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.StateChanged += (_, change) =>
        {
            if (change.VersionState == PluginVersionState.Failed)
            {
                done.TrySetException(new InvalidOperationException($"{change.PluginId} failed: {change.Reason}"));
            }

            lock (waiting)
            {
                if (change.VersionState == PluginVersionState.Healthy && waiting.Remove(change.PluginId) && waiting.Count == 0)
                {
                    done.TrySetResult();
                }
            }
        };
        return done.Task;
    }
}

/// <summary>The time to build a C# source plugin's version when it starts: compiled (no cache entry) against read from the cache.</summary>
[MemoryDiagnoser]
public class CSharpCompileBenchmarks
{
    private string _root = null!;
    private PluginVersionContext _context = null!;
    private CSharpSourceEntry _entry = null!;
    private SourceBuilder _uncached = null!;
    private SourceBuilder _cached = null!;

    [GlobalSetup]
    public void Setup()
    {
        _root = BenchPlugin.TempRoot();
        var folder = Path.Combine(_root, "ranker-cs");
        CSharpRanker.Write(folder, "ranker-cs");
        _context = CSharpRanker.Context(folder);
        _entry = CSharpSourceEntry.Read(_context.Entry);
        _uncached = new SourceBuilder(null, NullLogger.Instance);
        _cached = new SourceBuilder(new CompileCache(Path.Combine(_root, "cache")), NullLogger.Instance);
        _ = _cached.Build(_context, _entry, CancellationToken.None);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Baseline = true, Description = "build: compile (cache miss)")]
    public int Compile() => _uncached.Build(_context, _entry, CancellationToken.None).Image.Length;

    [Benchmark(Description = "build: cache hit (read and verify)")]
    public int CacheHit() => _cached.Build(_context, _entry, CancellationToken.None).Image.Length;
}

/// <summary>The ranker as C# source: the same code as bench/Bench.Plugin/RankerPlugin.cs.</summary>
internal static class CSharpRanker
{
    public const string Source = """
        using Bench.Contracts;

        namespace Ranking;

        public sealed class Ranker : PluginBase, IRanker
        {
            public ValueTask<RankReply> RankAsync(RankRequest request, CancellationToken cancellationToken = default)
            {
                var items = request.Items;
                var ids = new long[items.Count];
                var scores = new double[items.Count];
                for (var i = 0; i < items.Count; i++)
                {
                    ids[i] = items[i].Id;
                    scores[i] = -(items[i].Score + (items[i].Id % 7 == request.UserId % 7 ? 0.5 : 0));
                }

                Array.Sort(scores, ids);
                return new ValueTask<RankReply>(new RankReply(ids));
            }
        }
        """;

    private static readonly JsonObject Entry = new() { ["sources"] = new JsonArray("Ranker.cs"), ["type"] = "Ranking.Ranker" };

    public static void Write(string folder, string id)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Ranker.cs"), Source);
        File.WriteAllText(Path.Combine(folder, "plugin.json"), new JsonObject
        {
            ["id"] = id,
            ["version"] = "1.0.0",
            ["runtime"] = "csharp",
            ["entry"] = Entry.DeepClone(),
            ["contracts"] = new JsonArray("bench.ranker/v1"),
        }.ToJsonString());
    }

    public static PluginVersionContext Context(string folder) => new()
    {
        PluginId = "ranker-cs",
        Version = "1.0.0",
        PackagePath = folder,
        Entry = JsonSerializer.SerializeToElement(Entry),
        Contracts = ["bench.ranker/v1"],
        Configuration = new ConfigurationBuilder().Build(),
        Logger = NullLogger.Instance,
        HostServices = new ServiceCollection().BuildServiceProvider(),
        Stopping = CancellationToken.None,
    };

    public static IPluginVersion StartVersion(string folder, string statePath)
    {
        _ = typeof(IRanker);
        var runtime = new CSharpSourceRuntime(Options.Create(new AssemblyRuntimeOptions()));
        runtime.InitializeAsync(new PluginRuntimeContext { StatePath = statePath, StorePath = statePath, LoggerFactory = NullLoggerFactory.Instance }, CancellationToken.None).GetAwaiter().GetResult();
        var version = runtime.Create(Context(folder));
        version.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return version;
    }
}
