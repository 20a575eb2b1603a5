using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Hotplug.Cli.Tests;

/// <summary>Runs the real hotplug command as a child process.</summary>
internal static class CliProcess
{
    public static readonly string Path = typeof(CliProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CliPath").Value!;

    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    /// <summary>Runs a command to completion.</summary>
    public static Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] arguments) => RunInAsync(null, arguments);

    /// <summary>Runs a command to completion in <paramref name="workingDirectory"/> (the test's own, when <see langword="null"/>).</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunInAsync(string? workingDirectory, params string[] arguments)
    {
        var info = StartInfo(arguments);
        info.WorkingDirectory = workingDirectory ?? string.Empty;
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(HangGuard);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; bounded only to turn a hang into a failure.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> describe)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (!await condition())
        {
            if (guard.IsCancellationRequested)
            {
                throw new TimeoutException("Gave up waiting: " + describe());
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>A long-running <c>hotplug run</c>, stopped with SIGTERM, killed if it will not stop.</summary>
internal sealed class RunningHost : IDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly StringBuilder _output = new();

    public RunningHost(params string[] arguments)
    {
        _process = System.Diagnostics.Process.Start(CliProcess.StartInfo(arguments))!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Kills the host with SIGKILL, as a crash or an impatient operator would: it cleans nothing up.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>Sends SIGTERM, as a service manager would, and waits for the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
