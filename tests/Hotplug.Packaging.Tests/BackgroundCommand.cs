using System.Diagnostics;
using System.Text;

namespace Hotplug.Packaging.Tests;

/// <summary>A command left running, as a user leaves a service running in another terminal: its output is kept, and a test waits for lines of it.</summary>
internal sealed class BackgroundCommand : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly SemaphoreSlim _printed = new(0);

    private BackgroundCommand(Process process) => _process = process;

    /// <summary>Everything the command printed so far, standard output and error together.</summary>
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

    public static BackgroundCommand Start(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var command = new BackgroundCommand(new Process { StartInfo = DotnetRun.StartInfo(fileName, arguments, workingDirectory, environment) });
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (command._output)
                {
                    command._output.AppendLine(e.Data);
                }

                command._printed.Release();
            }
        };
        command._process.OutputDataReceived += collect;
        command._process.ErrorDataReceived += collect;
        command._process.Start();
        command._process.BeginOutputReadLine();
        command._process.BeginErrorReadLine();
        return command;
    }

    /// <summary>
    /// Waits until the command prints <paramref name="text"/> after the first <paramref name="from"/> characters of its
    /// output, and returns the output from there; fails if it exits first, or prints nothing of it for the hang guard.
    /// </summary>
    public async Task<string> WaitForAsync(string text, int from = 0, string? step = null)
    {
        using var guard = new CancellationTokenSource(DotnetRun.HangGuard);
        while (true)
        {
            var output = Output;
            if (output.IndexOf(text, from, StringComparison.Ordinal) >= 0)
            {
                return output[from..];
            }

            Assert.False(_process.HasExited, $"{step}: the command exited before it printed '{text}':\n{output}");
            try
            {
                // A new line, or a second to look whether the command has exited.
                await _printed.WaitAsync(TimeSpan.FromSeconds(1), guard.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{step}: the command did not print '{text}' within {DotnetRun.HangGuard}:\n{Output}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _printed.Dispose();
    }
}
