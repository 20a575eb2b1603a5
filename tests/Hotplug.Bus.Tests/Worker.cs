using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Hotplug.Bus.Tests;

/// <summary>
/// A BusWorker member process the pattern tests drive: its standard output, one line per thing it saw, is kept so a test
/// can wait for a line; commands go to its standard input.
/// </summary>
internal sealed class Worker : IAsyncDisposable
{
    /// <summary>How long a test waits for a line: long, for a loaded machine; a passing test never waits it out.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly string Program = Path.Combine(
        typeof(Worker).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "TestPluginsPath").Value!,
        "BusWorker",
        "BusWorker.dll");

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Worker(string name, Process process)
    {
        Name = name;
        _process = process;
        _process.OutputDataReceived += (_, e) => Add(e.Data ?? "exited");
        _process.ErrorDataReceived += (_, e) => Add(e.Data is null ? "" : "stderr " + e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid => _process.Id;

    /// <summary>Starts a worker; it has joined when <see cref="StartAsync"/> returns.</summary>
    public static async Task<Worker> StartAsync(string endpoint, string name, string service = "work", params string[] more)
    {
        var worker = Launch(endpoint, name, service, more);
        var line = await worker.WaitForAsync(l => l.StartsWith("ready", StringComparison.Ordinal) || l.StartsWith("join failed", StringComparison.Ordinal));
        Assert.True(line.StartsWith("ready", StringComparison.Ordinal), $"{name}: {line}");
        return worker;
    }

    /// <summary>Starts a worker without waiting for it to join.</summary>
    public static Worker Launch(string endpoint, string name, string service = "work", params string[] more)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[Program, "--endpoint", endpoint, "--service", service, "--name", name, .. more])
        {
            start.ArgumentList.Add(arg);
        }

        return new Worker(name, Process.Start(start)!);
    }

    /// <summary>Sends a command.</summary>
    public void Send(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for a line that matches, seen before or after the call.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan? patience = null)
    {
        using var timeout = new CancellationTokenSource(patience ?? Patience);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_lines.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{Name} did not print the line waited for; it printed:\n{string.Join('\n', Lines.TakeLast(40))}");
            }
        }
    }

    /// <summary>Waits for a line that starts with <paramref name="prefix"/>.</summary>
    public Task<string> WaitForAsync(string prefix) => WaitForAsync(l => l.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Gets every line so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Counts the lines so far that start with <paramref name="prefix"/>.</summary>
    public int Count(string prefix) => Lines.Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Asks for its subscriptions' counts: (received, lost) of the one on <paramref name="prefix"/>.</summary>
    public async Task<(long Received, long Lost)> StatsAsync(string prefix)
    {
        var before = Count("stats done");
        Send("stats");
        await WaitForAsync(l => l == "stats done" && Count("stats done") > before);
        var line = Lines.Last(l => l.StartsWith($"stats '{prefix}' ", StringComparison.Ordinal));
        var parts = line.Split(' ');
        return (long.Parse(parts[2]["received=".Length..], CultureInfo.InvariantCulture), long.Parse(parts[3]["lost=".Length..], CultureInfo.InvariantCulture));
    }

    /// <summary>Sends a signal (KILL, STOP, CONT) to the process.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Kills the process (SIGKILL) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        Signal("KILL");
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal("CONT");
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Add(string line)
    {
        lock (_gate)
        {
            _lines.Add(line);
            _changed.TrySetResult();
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
