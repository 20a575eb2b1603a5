using BenchmarkDotNet.Running;

// "process": the cross-process harness (bench/process/run.sh runs it beside go-plugin and the raw floor).
if (args is ["process", ..])
{
    return await Hotplug.Benchmarks.ProcessHarness.RunAsync();
}

BenchmarkSwitcher.FromAssembly(typeof(Hotplug.Benchmarks.RouterBenchmarks).Assembly).Run(args);
return 0;
