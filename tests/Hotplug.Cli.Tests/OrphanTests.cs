using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Cli.Tests;

/// <summary>A host killed with SIGKILL leaves its plugins running, and what they spawned; the next host ends them.</summary>
public sealed class OrphanTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hotplug-orphan-tests", Guid.NewGuid().ToString("N")[..10]);

    private readonly List<int> _grandchildren = [];

    private string State => Path.Combine(_root, "state");

    public void Dispose()
    {
        foreach (var pid in _grandchildren)
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
            }
        }

        foreach (var (pid, _) in PluginProcesses())
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
            }
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Run_PreviousHostKilledWithSigkill_ItsOrphanedPluginIsStopped()
    {
        InstallGoPlugin();
        int orphan;
        using (var first = StartHost())
        {
            await WaitForHealthyAsync(first);
            orphan = Assert.Single(PluginProcesses()).Pid;
            await first.KillHardAsync();
        }

        // go-plugin plugins do not watch their host: it is still running, re-parented.
        Assert.Contains(PluginProcesses(), p => p.Pid == orphan);

        using var second = StartHost();
        await WaitForHealthyAsync(second);
        await CliProcess.WaitUntilAsync(() => Task.FromResult(PluginProcesses().All(p => p.Pid != orphan)), () => second.Output);

        Assert.Single(PluginProcesses());
        Assert.Contains("left running by a host that is gone", second.Output);
        Assert.Equal(0, await second.TerminateAsync());
    }

    [Fact]
    public async Task Run_PreviousHostKilledWithSigkill_WhatItsPluginSpawnedIsEndedAndItsSocketFolderRemoved()
    {
        // A .NET plugin exits when its host dies, but a process it spawned stays, re-parented, unless its group is ended.
        var id = "spawner-" + Guid.NewGuid().ToString("N")[..8];
        var pidFile = Path.Combine(_root, "grandchild.pid");
        TestPlugins.Install(Path.Combine(_root, "plugins", id), TestPlugins.Manifest(id, "1.0.0", TestPlugins.EchoProcess, new JsonObject { ["testMode"] = "grandchild", ["pidFile"] = pidFile }), TestPlugins.EchoProcess);
        int grandchild;
        string folder;
        using (var first = StartHost())
        {
            await WaitForHealthyAsync(first, id);
            grandchild = int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture);
            _grandchildren.Add(grandchild);
            folder = Assert.Single(SocketFolders(id));
            await first.KillHardAsync();
        }

        await CliProcess.WaitUntilAsync(() => Task.FromResult(PluginProcesses().Count == 0), () => "the plugin did not exit after its host");
        Assert.True(IsAlive(grandchild));
        Assert.True(Directory.Exists(folder));

        using var second = StartHost();
        await WaitForHealthyAsync(second, id);
        await CliProcess.WaitUntilAsync(() => Task.FromResult(!IsAlive(grandchild)), () => second.Output);

        Assert.False(Directory.Exists(folder));
        Assert.Contains($"of plugin {id}, left running by a host that is gone", second.Output);
        _grandchildren.Add(int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture));
        Assert.Equal(0, await second.TerminateAsync());
    }

    /// <summary>The plugin folders in the temporary directory whose record names <paramref name="pluginId"/>.</summary>
    private static List<string> SocketFolders(string pluginId) =>
        [.. Directory.EnumerateDirectories("/tmp", "hp-*").Where(f =>
        {
            try
            {
                return File.ReadAllLines(Path.Combine(f, ".hotplug-host")).Contains("plugin " + pluginId);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        })];

    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private RunningHost StartHost() =>
        new("run", Path.Combine(_root, "plugins"), "--state", State, "--admin-port", "0", "--allow-unsigned");

    private void InstallGoPlugin()
    {
        var goPlugins = typeof(OrphanTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "GoPluginsPath").Value!;
        var folder = Path.Combine(_root, "plugins", "minimal");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(goPlugins, "minimal"), Path.Combine(folder, "minimal"));
        File.WriteAllText(Path.Combine(folder, "plugin.json"), """
            { "id": "minimal", "version": "1.0.0", "runtime": "process",
              "entry": { "executable": "minimal", "handshake": { "magicCookieKey": "HOTPLUG_TEST_PLUGIN", "magicCookieValue": "d3c4f1a0" } } }
            """);
    }

    private async Task WaitForHealthyAsync(RunningHost host, string id = "minimal") =>
        await CliProcess.WaitUntilAsync(
            async () =>
            {
                Assert.False(host.HasExited, host.Output);
                var ls = await CliProcess.RunAsync("ls", "--json", "--state", State);
                return ls.ExitCode == 0 && JsonDocument.Parse(ls.Out).RootElement.EnumerateArray()
                    .Any(p => p.GetProperty("id").GetString() == id && p.GetProperty("state").GetString() == "healthy");
            },
            () => host.Output);

    private List<(int Pid, string Executable)> PluginProcesses()
    {
        var store = Path.Combine(State, "store");
        var found = new List<(int, string)>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(entry), out var pid) && new FileInfo(Path.Combine(entry, "exe")).LinkTarget is { } exe && exe.StartsWith(store, StringComparison.Ordinal))
                {
                    found.Add((pid, exe));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
