using BenchmarkDotNet.Running;

// "process": the cross-process harness (bench/process/run.sh runs it beside go-plugin and the raw floor);
// "process go": the Go plugin's rows alone; "process dotnet": the .NET plugin's alone; "process fast-lane": its fast lane's.
if (args is ["process", ..])
{
    return await Hotplug.Benchmarks.ProcessHarness.RunAsync(only: args is [_, var which, ..] ? which : null);
}

// "bus": the bus runtime against raw NetMQ across processes (bench/bus/run.sh).
if (args is ["bus", ..])
{
    return await Hotplug.Benchmarks.Bus.BusHarness.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Hotplug.Benchmarks.RouterBenchmarks).Assembly).Run(args);
return 0;
