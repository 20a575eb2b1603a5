using System.Diagnostics;
using System.Text;

namespace Hotplug.Samples.Tests;

/// <summary>Runs the real demo service as a user would, with its live upgrade.</summary>
public sealed class DemoSmokeTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Demo_RunsEveryRankerAndUpgradesLive_ExitsZero()
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-demo-tests", Guid.NewGuid().ToString("N")[..10]);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // No --exit-after: the demo runs until it has shown what this test waits for, however long a loaded machine
        // takes to start its plugins, and is then stopped as an operator would stop it (SIGTERM).
        foreach (var argument in new[] { Path.Combine(SampleRankerTests.DemoPath, "RankingService.dll"), "--plugins", Path.Combine(root, "plugins"), "--state", Path.Combine(root, "state"), "--upgrade-after", "5", "--edit-after", "8" })
        {
            info.ArgumentList.Add(argument);
        }

        var text = new StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new System.Diagnostics.Process { StartInfo = info };
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (text)
            {
                text.AppendLine(e.Data);
                var all = text.ToString();
                if (new[] { "\nranker@2.0.0", "popular@1.0.0", "longtail@1.0.0", "Plugin ranker 1.0.0: Unloaded", "js-ranker@1.0.0 (diverse)", "lua-ranker@1.0.0 (score only)" }.All(s => all.Contains(s, StringComparison.Ordinal)))
                {
                    seen.TrySetResult();
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
            await seen.Task.WaitAsync(HangGuard);
            using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(HangGuard);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        string output;
        lock (text)
        {
            output = text.ToString();
        }

        Assert.True(process.ExitCode == 0, output);
        var v1 = output.IndexOf("\nranker@1.0.0", StringComparison.Ordinal);
        var v2 = output.IndexOf("\nranker@2.0.0", StringComparison.Ordinal);
        Assert.True(v1 >= 0 && v2 > v1, output);

        // The Lua ranker served its first rule, then, once its saved edit went live, the new one.
        var before = output.IndexOf("lua-ranker@1.0.0 (score + popularity)", StringComparison.Ordinal);
        var after = output.IndexOf("lua-ranker@1.0.0 (score only)", StringComparison.Ordinal);
        Assert.True(before >= 0 && after > before, output);
        // A call may run into the sample's one-second call timeout on a loaded machine: that is the timeout at work.
        // Any other failure is one.
        var failures = output.Split('\n').Where(l => l.Contains("failed", StringComparison.OrdinalIgnoreCase) && !l.Contains("within its call timeout", StringComparison.Ordinal));
        Assert.False(failures.Any(), output);

        // The service waits for its plugins to load before its first call: no call finds a plugin not loaded yet.
        Assert.DoesNotContain("not loaded yet", output, StringComparison.Ordinal);
        Directory.Delete(root, recursive: true);
    }
}
