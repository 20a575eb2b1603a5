using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Hotplug.Benchmarks.Bus;

/// <summary>One measurement: latency percentiles or a rate, printed as one JSON line.</summary>
internal sealed record Figure(string Name, int N, int PayloadBytes, double P50Us = 0, double P99Us = 0, double OpsPerSecond = 0)
{
    /// <summary>Figures the measurement adds, such as members, items lost, or the ratio to raw NetMQ.</summary>
    public JsonObject Extra { get; } = [];

    public string ToJson(string run)
    {
        var line = new JsonObject
        {
            ["run"] = run,
            // Other work on this shared machine moves every figure: the 1-minute load average when it was taken.
            ["load1"] = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture),
            ["name"] = Name,
            ["n"] = N,
            ["payload_bytes"] = PayloadBytes,
            ["p50_us"] = P50Us,
            ["p99_us"] = P99Us,
            ["ops_per_s"] = OpsPerSecond,
        };
        foreach (var (key, value) in Extra)
        {
            line[key] = value?.DeepClone();
        }

        return line.ToJsonString();
    }

    /// <summary>Percentiles of round trips in microseconds, as the process harness reports them.</summary>
    public static (double P50, double P99) Percentiles(double[] microseconds)
    {
        Array.Sort(microseconds);
        return (Math.Round(microseconds[microseconds.Length / 2], 1), Math.Round(microseconds[microseconds.Length * 99 / 100], 1));
    }

    /// <summary>Items per second from <paramref name="start"/> to <paramref name="last"/> (Stopwatch timestamps, taken in any process of this machine).</summary>
    public static double Rate(long items, long start, long last) =>
        Math.Round(items / Stopwatch.GetElapsedTime(start, last).TotalSeconds);

    public static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>CPU time used by this process and by <paramref name="children"/> so far: where a pattern's time goes.</summary>
    public static (TimeSpan Host, TimeSpan Children) Cpu(IEnumerable<WorkerProcess> children) =>
        (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime, children.Aggregate(TimeSpan.Zero, (sum, child) => sum + child.CpuTime));

    /// <summary>Adds the CPU microseconds per item the host and the children spent since <paramref name="before"/>.</summary>
    public void AddCpu((TimeSpan Host, TimeSpan Children) before, (TimeSpan Host, TimeSpan Children) after, long items)
    {
        Extra["host_cpu_us_per_item"] = Math.Round((after.Host - before.Host).TotalMicroseconds / items, 2);
        Extra["child_cpu_us_per_item"] = Math.Round((after.Children - before.Children).TotalMicroseconds / items, 2);
    }

    public static double Ratio(double bus, double raw) => raw == 0 ? 0 : Math.Round(bus / raw, 3);
}
