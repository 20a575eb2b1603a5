using System.Text.Json.Nodes;
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
        var folder = Path.Combine(root, "plugins", "minimal");
        Directory.CreateDirectory(folder);
        File.Copy(GoPlugins.Minimal, Path.Combine(folder, "minimal"));
        File.WriteAllText(Path.Combine(folder, "plugin.json"), new JsonObject
        {
            ["id"] = "minimal",
            ["version"] = "1.0.0",
            ["runtime"] = "process",
            ["entry"] = new JsonObject
            {
                ["executable"] = "minimal",
                ["handshake"] = new JsonObject { ["magicCookieKey"] = "HOTPLUG_TEST_PLUGIN", ["magicCookieValue"] = "d3c4f1a0" },
            },
        }.ToJsonString());
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHotplug(o =>
        {
            o.PluginsPath = Path.Combine(root, "plugins");
            o.StatePath = Path.Combine(root, "state");
            o.StabilityWindow = TimeSpan.Zero;
            o.RequireSignedPackages = false;
            o.HealthCheckInterval = TimeSpan.FromMilliseconds(100);
        }).AddProcessRuntime(o => o.Supervision.MaxFailures = 1);
        using var host = builder.Build();
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
            var pid = FindPid(Path.Combine(root, "state", "store"));

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

    private static int FindPid(string store)
    {
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), out var pid) && new FileInfo(Path.Combine(entry, "exe")).LinkTarget is { } exe && exe.StartsWith(store, StringComparison.Ordinal))
            {
                return pid;
            }
        }

        throw new InvalidOperationException("The plugin process is not running.");
    }
}
