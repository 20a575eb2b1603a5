using BenchmarkDotNet.Running;

// "process": the cross-process harness (bench/process/run.sh runs it beside go-plugin and the raw floor);
// "process go": the Go plugin's rows alone.
if (args is ["process", ..])
{
    return await Hotplug.Benchmarks.ProcessHarness.RunAsync(goOnly: args is [_, "go", ..]);
}

// "bus": the bus runtime against raw NetMQ across processes (bench/bus/run.sh).
if (args is ["bus", ..])
{
    return await Hotplug.Benchmarks.Bus.BusHarness.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Hotplug.Benchmarks.RouterBenchmarks).Assembly).Run(args);
return 0;
