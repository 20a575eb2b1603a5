using Bench.Contracts;
using BenchmarkDotNet.Attributes;
using Hotplug.Hosting;
using Hotplug.Loading;
using Hotplug.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hotplug.Benchmarks;

/// <summary>
/// The cost of calling a plugin through its generated router, against the same call made directly on an
/// object of the host and directly on the plugin's object (a type in a collectible context, the floor).
/// </summary>
[MemoryDiagnoser]
public class RouterBenchmarks
{
    private ICalculator _direct = null!;
    private ICalculator _pluginDirect = null!;
    private ICalculator _router = null!;
    private PluginInstance _instance = null!;
    private string _root = null!;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        _root = BenchPlugin.TempRoot();
        var (manifest, package) = BenchPlugin.Read(BenchPlugin.CreateFolder(_root, "calc", "1.0.0"));
        _instance = PluginInstance.Create(new AssemblyRuntime(new SharedAssemblyPolicy([])), manifest, package, NullLogger.Instance, new EmptyServices(), TimeSpan.FromSeconds(30), TimeProvider.System);
        _instance.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _pluginDirect = (ICalculator)_instance.GetContract(typeof(ICalculator))!;
        _direct = new LocalCalculator();
        var slot = new ContractSlot<ICalculator>("calc");
        slot.Bind(_pluginDirect, _instance.Gate);
        if (!RouterRegistry.TryCreate(slot, out var router) || router is null)
        {
            throw new InvalidOperationException("No generated router for ICalculator.");
        }

        _router = router;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _instance.StopAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        _instance.ReleaseAsync(TimeSpan.Zero, new CancellationToken(canceled: true)).AsTask().GetAwaiter().GetResult();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "direct interface call (host object)")]
    public int Direct() => Call(_direct);

    [Benchmark(Description = "direct interface call (plugin object, collectible)")]
    public int PluginDirect() => Call(_pluginDirect);

    [Benchmark(Description = "through the generated router")]
    public int Router() => Call(_router);

    private int Call(ICalculator calculator)
    {
        var task = calculator.AddAsync(_i++, 1);
        return task.IsCompletedSuccessfully ? task.Result : -1;
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
