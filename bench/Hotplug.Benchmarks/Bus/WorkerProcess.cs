using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Hotplug.Benchmarks.Bus;

/// <summary>A bench/BusBenchMember child process: started with a mode, read line by line, stopped by closing its standard input.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private static readonly string Path = typeof(WorkerProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BusBenchMemberPath").Value!;

    private readonly System.Diagnostics.Process _process;

    private WorkerProcess(System.Diagnostics.Process process) => _process = process;

    public static bool Exists => File.Exists(Path);

    public static string Location => Path;

    public static WorkerProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["BENCH_PARENT"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        return new WorkerProcess(System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start."));
    }

    /// <summary>Gets the CPU time the child has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Reads the child's next line, or fails after <paramref name="timeout"/>.</summary>
    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(timeout);
        return line ?? throw new InvalidOperationException($"BusBenchMember (pid {_process.Id}) ended before it answered.");
    }

    /// <summary>Reads a round's report: how many arrived, and when the last did (a Stopwatch timestamp).</summary>
    public async Task<(long Count, long Last)> ReadRoundAsync(TimeSpan timeout)
    {
        var parts = (await ReadLineAsync(timeout)).Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
