using Bench.Contracts;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Hotplug.Hosting;
using Hotplug.Loading;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hotplug.Benchmarks;

/// <summary>
/// Load, upgrade and unload of an assembly plugin, each measured alone, warm (after the first few in the process).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 5, iterationCount: 30)]
[MemoryDiagnoser]
public class LifecycleBenchmarks
{
    private readonly SharedAssemblyPolicy _shared = new([]);
    private string _root = null!;
    private string _folder = null!;
    private PluginInstance? _instance;
    private PluginHost _host = null!;
    private string _hostFolder = null!;
    private int _version;

    [GlobalSetup]
    public void Setup()
    {
        _root = BenchPlugin.TempRoot();
        _folder = BenchPlugin.CreateFolder(_root, "calc", "1.0.0");
        var options = new HotplugOptions
        {
            PluginsPath = Path.Combine(_root, "plugins"),
            StatePath = Path.Combine(_root, "state"),
            StabilityWindow = TimeSpan.Zero,
            RescanInterval = TimeSpan.FromMinutes(10),
            RequireSignedPackages = false,
        };
        _hostFolder = BenchPlugin.CreateFolder(options.PluginsPath, "calc", "1.0.0");
        _host = new PluginHost(Options.Create(options), new ServiceExports(new EmptyServices(), Options.Create(new ServiceExportOptions())), TimeProvider.System, runtimes: [new AssemblyRuntime(_shared)]);
        _host.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _host.Admin.RescanAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>New collectible context, entry object, StartAsync, health check and a first call.</summary>
    [Benchmark(Description = "load → start → health → first call")]
    public int Load()
    {
        _instance = StartInstance();
        return Call(_instance);
    }

    [IterationCleanup(Target = nameof(Load))]
    public void AfterLoad() => UnloadAndCollect(_instance!);

    [IterationSetup(Target = nameof(Unload))]
    public void BeforeUnload() => _instance = StartInstance();

    /// <summary>StopAsync, unload, and garbage collections until the load context is verified gone (by the assembly runtime's release).</summary>
    [Benchmark(Description = "stop → unload → context collected")]
    public int Unload() => UnloadAndCollect(_instance!);

    /// <summary>
    /// A new version written over the plugin's folder, through a real host: stage (copy and hash into the
    /// store), load, start, health check and switch of the router. The old version drains and unloads after.
    /// </summary>
    [Benchmark(Description = "upgrade: stage → load → start → health → switch")]
    public string Upgrade()
    {
        BenchPlugin.WriteManifest(_hostFolder, "calc", $"1.0.{++_version}");
        _host.Admin.RescanAsync().GetAwaiter().GetResult();
        return _host.GetPlugin("calc")!.Version!;
    }

    private PluginInstance StartInstance()
    {
        var (manifest, package) = BenchPlugin.Read(_folder);
        var instance = PluginInstance.Create(new AssemblyRuntime(_shared), manifest, package, NullLogger.Instance, new EmptyServices(), TimeSpan.FromSeconds(30), TimeProvider.System);
        instance.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _ = instance.CheckHealthAsync(CancellationToken.None).GetAwaiter().GetResult();
        return instance;
    }

    private static int Call(PluginInstance instance) =>
        ((ICalculator)instance.GetContract(typeof(ICalculator))!).AddAsync(1, 2).Result;

    private static int UnloadAndCollect(PluginInstance instance)
    {
        instance.StopAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        var release = instance.ReleaseAsync(TimeSpan.FromSeconds(30), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (release.Outcome != Hotplug.Runtimes.ReleaseOutcome.Collected)
        {
            throw new InvalidOperationException($"The load context was not collected: {release.Outcome} {release.Reason}");
        }

        return 1;
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
