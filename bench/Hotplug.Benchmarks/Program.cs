using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Hotplug.Benchmarks.RouterBenchmarks).Assembly).Run(args);
