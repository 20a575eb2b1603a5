using System.Text.Json.Nodes;
using Hotplug.Packaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hotplug.Process.Tests;

/// <summary>A process plugin's store copy is checked again before every process is started from it, not only the first.</summary>
public sealed class StoreRecheckTests
{
    [Fact]
    public async Task Restart_StoreCopyChangedWhileTheVersionRuns_QuarantinedWithItsCodeUntilTheCopyIsDeletedAndStagedAgain()
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-recheck", Guid.NewGuid().ToString("N")[..10]);
        using var host = MinimalPluginHost.Build(root, TimeSpan.FromMilliseconds(200), maxFailures: 5);
        var plugins = host.Services.GetRequiredService<IPluginHost>();
        var quarantined = new TaskCompletionSource<PluginStateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        plugins.StateChanged += (_, change) =>
        {
            if (change.PluginId == "minimal" && change.VersionState == PluginVersionState.Degraded && change.Reason?.Contains("quarantined", StringComparison.Ordinal) == true)
            {
                quarantined.TrySetResult(change);
            }
        };
        await host.StartAsync();
        try
        {
            await host.Services.GetRequiredService<IPluginAdmin>().RescanAsync();
            Assert.Equal(PluginState.Healthy, plugins.GetPlugin("minimal")!.State);
            var store = Path.Combine(root, "state", "store");
            var pid = ProcessIds.Under(store).Single();

            // Replaced as an intruder would (a running executable cannot be written in place). The changed executable
            // still runs — the loader ignores appended bytes — so only the check stops it.
            var executable = Directory.EnumerateFiles(store, "minimal", SearchOption.AllDirectories).Single();
            var replacement = executable + ".new";
            File.Copy(executable, replacement);
            File.AppendAllText(replacement, "changed in the store");
            File.Move(replacement, executable, overwrite: true);
            System.Diagnostics.Process.GetProcessById(pid).Kill();
            var change = await quarantined.Task.WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Contains(PackageErrors.StoreCopyChanged, change.Reason);
            Assert.Empty(ProcessIds.Under(store));

            // The operator deletes the changed copy: the folder is staged again and a fresh copy replaces the version.
            var healthy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            plugins.StateChanged += (_, c) =>
            {
                if (c.PluginId == "minimal" && c.VersionState == PluginVersionState.Healthy)
                {
                    healthy.TrySetResult();
                }
            };
            Directory.Delete(Path.GetDirectoryName(executable)!, recursive: true);
            await host.Services.GetRequiredService<IPluginAdmin>().RescanAsync();
            await healthy.Task.WaitAsync(TimeSpan.FromSeconds(60));

            var status = plugins.GetPlugin("minimal")!;
            Assert.Equal(PluginState.Healthy, status.State);
            Assert.NotEqual(pid, Assert.Single(ProcessIds.Under(store)));
        }
        finally
        {
            await host.StopAsync();
            Directory.Delete(root, recursive: true);
        }
    }
}

/// <summary>A host of the Go <c>minimal</c> plugin, unsigned, from a folder of its own under <c>root</c>.</summary>
internal static class MinimalPluginHost
{
    public static IHost Build(string root, TimeSpan healthCheckInterval, int maxFailures)
    {
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
            o.HealthCheckInterval = healthCheckInterval;
        }).AddProcessRuntime(o => o.Supervision.MaxFailures = maxFailures);
        return builder.Build();
    }
}

/// <summary>The processes whose executable lies under a folder.</summary>
internal static class ProcessIds
{
    public static IReadOnlyList<int> Under(string folder)
    {
        var pids = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(entry), out var pid) && new FileInfo(Path.Combine(entry, "exe")).LinkTarget is { } exe && exe.StartsWith(folder, StringComparison.Ordinal))
                {
                    pids.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone while we looked.
            }
        }

        return pids;
    }
}
