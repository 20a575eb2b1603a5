using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Hotplug.Benchmarks.Echo;
using Hotplug.Process;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hotplug.Benchmarks;

/// <summary>
/// The cross-process harness (not BenchmarkDotNet: it measures across processes): the go-plugin echo plugin
/// called through a Hotplug host's routed call invoker. Prints one JSON object with the same figures as the
/// go-plugin Go host (bench/process/echo-host) and the raw floor (bench/process/pingpong).
/// </summary>
internal static class ProcessHarness
{
    private static readonly string Folder = typeof(ProcessHarness).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BenchProcessPath").Value!;

    /// <summary>Measures every row, or only the Go plugin's (<c>go</c>), the .NET plugin's (<c>dotnet</c>) or its fast lane's (<c>fast-lane</c>).</summary>
    public static async Task<int> RunAsync(string? only)
    {
        var go = Path.Combine(Folder, "echo-plugin");
        var dotnet = Path.Combine(Folder, "dotnet-echo-plugin", "DotnetEchoPlugin");
        foreach (var required in new[] { go, dotnet })
        {
            if (!File.Exists(required))
            {
                Console.Error.WriteLine($"{required} is missing: run bench/process/run.sh, which builds it.");
                return 1;
            }
        }

        if (only == "fast-lane")
        {
            await MeasureAsync("Hotplug (.NET host, process runtime) with the .NET plugin (JIT), fast lane", dotnet, "unix");
            return 0;
        }

        if (only != "dotnet")
        {
            await MeasureAsync("Hotplug (.NET host, process runtime) with the Go plugin", go, "unix");
            await MeasureLoggingAsync("Hotplug (.NET host, process runtime) with the Go plugin, a log line per call", go);
        }

        if (only == "go")
        {
            return 0;
        }

        await MeasureAsync("Hotplug (.NET host, process runtime) with the .NET plugin (JIT), fast lane", dotnet, "unix");
        await MeasureAsync("Hotplug (.NET host, process runtime) with the .NET plugin (JIT), gRPC", dotnet, "unix", fastLane: false);
        var aot = Path.Combine(Folder, "dotnet-echo-plugin-aot", "DotnetEchoPlugin");
        if (File.Exists(aot))
        {
            await MeasureAsync("Hotplug (.NET host, process runtime) with the .NET plugin (NativeAOT), fast lane", aot, "unix");
            await MeasureAsync("Hotplug (.NET host, process runtime) with the .NET plugin (NativeAOT), gRPC", aot, "unix", fastLane: false);
        }

        await MeasureAsync("Hotplug (.NET host, process runtime) with the .NET plugin (JIT), stdio transport", dotnet, "stdio");

        return 0;
    }

    private static async Task MeasureAsync(string label, string plugin, string transport, bool fastLane = true)
    {
        var result = new JsonObject { ["host"] = label };
        result["start_to_first_call_ms"] = await StartToFirstCallAsync(plugin, transport, fastLane);

        var (host, root) = await StartHostAsync(plugin, transport, logEachCall: false, fastLane);
        var plugins = host.Services.GetRequiredService<IPluginHost>();
        var load = Stopwatch.StartNew();
        await host.Services.GetRequiredService<IPluginAdmin>().RescanAsync();
        var echo = new Echo.Echo.EchoClient(plugins.GetCallInvoker("echo"));
        await echo.EchoAsync(new Payload { Data = ByteString.CopyFromUtf8("x") });
        result["host_load_to_first_call_ms"] = Math.Round(load.Elapsed.TotalMilliseconds, 1);

        var (p50, p99) = await LatencyAsync(echo, 16, warmup: 30000, samples: 5000);
        result["p50_16B_us"] = p50;
        result["p99_16B_us"] = p99;
        (p50, p99) = await LatencyAsync(echo, 64 * 1024, warmup: 2000, samples: 1000);
        result["p50_64KiB_us"] = p50;
        result["p99_64KiB_us"] = p99;
        foreach (var callers in new[] { 1, 4, 8 })
        {
            result[$"calls_per_s_{callers}"] = await ThroughputAsync(echo, callers, TimeSpan.FromSeconds(3));
        }

        // At 16 callers, also the CPU each side spent per call: where a call's cost is, and on which side.
        var store = Path.Combine(root, "state", "store");
        var (hostBefore, pluginBefore) = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime, PluginCpu(store));
        var calls16 = await ThroughputAsync(echo, 16, TimeSpan.FromSeconds(3));
        var (hostAfter, pluginAfter) = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime, PluginCpu(store));
        result["calls_per_s_16"] = calls16;
        result["host_cpu_us_per_call_16"] = Math.Round((hostAfter - hostBefore).TotalMicroseconds / (calls16 * 3), 1);
        result["plugin_cpu_us_per_call_16"] = Math.Round((pluginAfter - pluginBefore).TotalMicroseconds / (calls16 * 3), 1);

        // The same calls through the contract router (Get<IEcho>): no .proto on the host's side.
        var contract = plugins.Get<Bench.Contracts.IEcho>("echo");
        (p50, p99) = await LatencyAsync(data => contract.EchoAsync(new Bench.Contracts.Payload(data)), 16, warmup: 30000, samples: 5000);
        result["contract_p50_16B_us"] = p50;
        result["contract_p99_16B_us"] = p99;
        (p50, p99) = await LatencyAsync(data => contract.EchoAsync(new Bench.Contracts.Payload(data)), 64 * 1024, warmup: 2000, samples: 1000);
        result["contract_p50_64KiB_us"] = p50;
        result["contract_p99_64KiB_us"] = p99;
        result["contract_calls_per_s_16"] = await ThroughputAsync(data => contract.EchoAsync(new Bench.Contracts.Payload(data)), 16, TimeSpan.FromSeconds(3));

        result["kill9_to_next_call_ms"] = await KillToNextCallAsync(echo, Path.Combine(root, "state", "store"));
        await host.StopAsync();
        host.Dispose();
        Directory.Delete(root, recursive: true);
        Console.WriteLine(result.ToJsonString());
    }

    /// <summary>
    /// The echo plugin writing one hclog line per call (<c>ECHO_LOG_EACH_CALL</c>), as real plugins do, under a host whose
    /// logger takes information and up and formats each entry, then drops it: what go-plugin's Go host does with them.
    /// </summary>
    private static async Task MeasureLoggingAsync(string label, string plugin)
    {
        var result = new JsonObject { ["host"] = label };
        var (host, root) = await StartHostAsync(plugin, "unix", logEachCall: true);
        await host.Services.GetRequiredService<IPluginAdmin>().RescanAsync();
        var echo = new Echo.Echo.EchoClient(host.Services.GetRequiredService<IPluginHost>().GetCallInvoker("echo"));
        var (p50, p99) = await LatencyAsync(echo, 16, warmup: 30000, samples: 5000);
        result["log_p50_16B_us"] = p50;
        result["log_p99_16B_us"] = p99;
        foreach (var callers in new[] { 1, 4, 8, 16 })
        {
            result[$"log_calls_per_s_{callers}"] = await ThroughputAsync(echo, callers, TimeSpan.FromSeconds(3));
        }

        result["log_entries_formatted"] = FormattingDropProvider.Formatted;
        await host.StopAsync();
        host.Dispose();
        Directory.Delete(root, recursive: true);
        Console.WriteLine(result.ToJsonString());
    }

    private static async Task<(IHost Host, string Root)> StartHostAsync(string plugin, string transport, bool logEachCall, bool fastLane = true)
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-bench-process-" + Guid.NewGuid().ToString("N")[..8]);
        var folder = Path.Combine(root, "plugins", "echo");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(plugin)!))
        {
            // The Go plugin's folder holds the other benchmark programs too: take the plugin alone there.
            if ((Path.GetFileName(plugin) != "echo-plugin" || file == plugin) && !file.EndsWith(".dbg", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }
        }

        var entry = new JsonObject
        {
            ["executable"] = Path.GetFileName(plugin),
            ["handshake"] = new JsonObject { ["magicCookieKey"] = "HOTPLUG_BENCH", ["magicCookieValue"] = "echo" },
            ["transport"] = transport,
        };
        if (logEachCall)
        {
            Environment.SetEnvironmentVariable("ECHO_LOG_EACH_CALL", "1");
            entry["environment"] = new JsonArray("ECHO_LOG_EACH_CALL");
        }

        File.WriteAllText(Path.Combine(folder, "plugin.json"), new JsonObject
        {
            ["id"] = "echo",
            ["version"] = "1.0.0",
            ["runtime"] = "process",
            ["entry"] = entry,
            // The same service as the generated client's, reached as a contract too (Bench.Contracts.IEcho).
            ["contracts"] = new JsonArray("hotplug/bench"),
        }.ToJsonString());

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (logEachCall)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Information).AddProvider(new FormattingDropProvider());
        }

        builder.Services.AddHotplug(o =>
        {
            o.PluginsPath = Path.Combine(root, "plugins");
            o.StatePath = Path.Combine(root, "state");
            o.StabilityWindow = TimeSpan.Zero;
            o.RequireSignedPackages = false;
            o.RescanInterval = TimeSpan.FromMinutes(10);
        }).AddProcessRuntime(o =>
        {
            // The harness kills the plugin on purpose, again and again: restart at once, never quarantine.
            o.Supervision.InitialBackoff = TimeSpan.FromMilliseconds(1);
            o.Supervision.MaxFailures = int.MaxValue;
            o.FastLane = fastLane;
        });
        var host = builder.Build();
        await host.StartAsync();
        return (host, root);
    }

    private static async Task<double> StartToFirstCallAsync(string plugin, string transport, bool fastLane)
    {
        var options = new ProcessPluginOptions { MagicCookieKey = "HOTPLUG_BENCH", MagicCookieValue = "echo", Transport = Enum.Parse<PluginTransport>(transport, ignoreCase: true), FastLane = fastLane };
        var times = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            var watch = Stopwatch.StartNew();
            await using var process = await PluginProcess.StartAsync("echo", plugin, [], options, NullLogger.Instance, CancellationToken.None);
            await new Echo.Echo.EchoClient(process.CallInvoker).EchoAsync(new Payload { Data = ByteString.CopyFromUtf8("x") });
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        // The first start also pays for JIT-compiling the host's own code: report the median of the rest.
        return Math.Round(Median(times.Skip(1).ToList()), 1);
    }

    private static Task<(double P50, double P99)> LatencyAsync(Echo.Echo.EchoClient echo, int size, int warmup, int samples)
    {
        var payload = new Payload { Data = ByteString.CopyFrom(new byte[size]) };
        return LatencyAsync(_ => echo.EchoAsync(payload).ResponseAsync, size, warmup, samples);
    }

    /// <summary>Round trips of <paramref name="size"/> bytes, one at a time after a warm-up: p50 and p99 in µs.</summary>
    internal static async Task<(double P50, double P99)> LatencyAsync(Func<byte[], Task> call, int size, int warmup, int samples)
    {
        var data = new byte[size];
        for (var i = 0; i < warmup; i++)
        {
            await call(data);
        }

        var times = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call(data);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(times);
        return (Math.Round(times[samples / 2]), Math.Round(times[samples * 99 / 100]));
    }

    private static Task<double> ThroughputAsync(Echo.Echo.EchoClient echo, int callers, TimeSpan duration)
    {
        var payload = new Payload { Data = ByteString.CopyFrom(new byte[16]) };
        return ThroughputAsync(_ => echo.EchoAsync(payload).ResponseAsync, callers, duration);
    }

    private static async Task<double> ThroughputAsync(Func<byte[], Task> call, int callers, TimeSpan duration)
    {
        var data = new byte[16];
        long calls = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                await call(data);
                Interlocked.Increment(ref calls);
            }
        })));
        return Math.Round(calls / duration.TotalSeconds);
    }

    /// <summary>SIGKILL the plugin process, then call until a call succeeds again (on the restarted process).</summary>
    private static async Task<double> KillToNextCallAsync(Echo.Echo.EchoClient echo, string store)
    {
        var payload = new Payload { Data = ByteString.CopyFromUtf8("x") };
        var times = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            var pid = PluginPid(store);
            var watch = Stopwatch.StartNew();
            System.Diagnostics.Process.GetProcessById(pid).Kill();
            while (true)
            {
                if (watch.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException("The plugin did not serve again within 30 s of being killed.");
                }

                try
                {
                    await echo.EchoAsync(payload);
                    if (PluginPid(store) != pid)
                    {
                        break;
                    }
                }
                catch (PluginException)
                {
                    // Crashed or restarting: keep calling.
                }
                catch (Grpc.Core.RpcException)
                {
                }
            }

            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        return Math.Round(Median(times), 1);
    }

    /// <summary>The plugin process's CPU time so far (user and system, from /proc; 10 ms ticks).</summary>
    private static TimeSpan PluginCpu(string store)
    {
        var stat = File.ReadAllText($"/proc/{PluginPid(store)}/stat");
        // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static int PluginPid(string store)
    {
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
                    new FileInfo(Path.Combine(entry, "exe")).LinkTarget is { } target && target.StartsWith(store, StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while it was looked at.
            }
        }

        return -1;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}

/// <summary>A logger that takes information and up, formats each entry as a text logger would, and keeps nothing.</summary>
internal sealed class FormattingDropProvider : ILoggerProvider, ILogger
{
    private static long _formatted;

    public static long Formatted => Interlocked.Read(ref _formatted);

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel) && formatter(state, exception).Length >= 0)
        {
            Interlocked.Increment(ref _formatted);
        }
    }

    public void Dispose()
    {
    }
}
