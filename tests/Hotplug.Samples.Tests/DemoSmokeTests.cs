using System.Diagnostics;

namespace Hotplug.Samples.Tests;

/// <summary>Runs the real demo service as a user would, with its live upgrade.</summary>
public sealed class DemoSmokeTests
{
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
        foreach (var argument in new[] { Path.Combine(SampleRankerTests.DemoPath, "RankingService.dll"), "--plugins", Path.Combine(root, "plugins"), "--state", Path.Combine(root, "state"), "--upgrade-after", "3", "--exit-after", "8" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var text = await output + await error;
        Assert.True(process.ExitCode == 0, text);
        var v1 = text.IndexOf("ranker@1.0.0", StringComparison.Ordinal);
        var v2 = text.IndexOf("ranker@2.0.0", StringComparison.Ordinal);
        Assert.True(v1 >= 0 && v2 > v1, text);
        Assert.Contains("popular@1.0.0", text);
        Assert.Contains("longtail@1.0.0", text);
        Assert.Contains("Plugin ranker 1.0.0: Unloaded", text);
        Assert.DoesNotContain("failed", text, StringComparison.OrdinalIgnoreCase);
        Directory.Delete(root, recursive: true);
    }
}
