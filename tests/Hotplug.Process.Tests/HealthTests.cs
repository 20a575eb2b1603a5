using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hotplug.Process.Tests;

/// <summary>The host's periodic health checks show a quarantined plugin as degraded, with why.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task HealthCheck_PluginQuarantinedAfterACrash_ShownDegradedWithTheReason()
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-health", Guid.NewGuid().ToString("N")[..10]);
        using var host = MinimalPluginHost.Build(root, TimeSpan.FromMilliseconds(100), maxFailures: 1);
        var plugins = host.Services.GetRequiredService<IPluginHost>();
        var degraded = new TaskCompletionSource<PluginStateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        plugins.StateChanged += (_, change) =>
        {
            // The first check after the crash may already see the process gone; quarantine follows.
            if (change.PluginId == "minimal" && change.VersionState == PluginVersionState.Degraded && change.Reason?.Contains("quarantined", StringComparison.Ordinal) == true)
            {
                degraded.TrySetResult(change);
            }
        };
        await host.StartAsync();
        try
        {
            await host.Services.GetRequiredService<IPluginAdmin>().RescanAsync();
            Assert.Equal(PluginState.Healthy, plugins.GetPlugin("minimal")!.State);
            var pid = ProcessIds.Under(Path.Combine(root, "state", "store")).Single();

            System.Diagnostics.Process.GetProcessById(pid).Kill();
            var change = await degraded.Task.WaitAsync(TimeSpan.FromSeconds(60));

            // The reason as the change reported it: later checks may word it otherwise (a check late on a busy machine).
            Assert.Contains("quarantined", change.Reason);
            Assert.Contains("exited with code", change.Reason);
            Assert.Equal(PluginState.Degraded, plugins.GetPlugin("minimal")!.State);
        }
        finally
        {
            await host.StopAsync();
            Directory.Delete(root, recursive: true);
        }
    }
}
