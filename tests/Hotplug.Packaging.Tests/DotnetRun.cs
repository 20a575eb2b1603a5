using System.Diagnostics;
using System.Text;

namespace Hotplug.Packaging.Tests;

/// <summary>Runs <c>dotnet</c> (or a script) as a user would, in a folder outside the repository.</summary>
internal static class DotnetRun
{
    /// <summary>
    /// How long one command may take before the test gives up on it (a hang guard, not a wait): packing the whole
    /// solution in Release on two busy cores, beside the other test suites, takes minutes.
    /// </summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(12);

    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        using var process = new Process { StartInfo = StartInfo(fileName, arguments, workingDirectory, environment) };
        var output = new StringBuilder();
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
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

        // WaitForExit with no timeout drains the redirected streams, so the output is complete.
        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, $"{fileName} {string.Join(' ', arguments)} (in {workingDirectory}) exited {process.ExitCode}:\n{output}");
        }
    }

    public static async Task<string> RunOkAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var (exitCode, output) = await RunAsync(fileName, arguments, workingDirectory, environment);
        Assert.True(exitCode == 0, output);
        return output;
    }

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The test host's own build settings must not leak into the builds the test runs as a user would.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("_MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }
}
