using System.Reflection;
using System.Text.Json;

namespace Hotplug.Cli.Tests;

/// <summary>A host killed with SIGKILL leaves its go-plugin plugins running; the next host on the same state stops them.</summary>
public sealed class OrphanTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hotplug-orphan-tests", Guid.NewGuid().ToString("N")[..10]);

    private string State => Path.Combine(_root, "state");

    public void Dispose()
    {
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

    private async Task WaitForHealthyAsync(RunningHost host) =>
        await CliProcess.WaitUntilAsync(
            async () =>
            {
                Assert.False(host.HasExited, host.Output);
                var ls = await CliProcess.RunAsync("ls", "--json", "--state", State);
                return ls.ExitCode == 0 && JsonDocument.Parse(ls.Out).RootElement.EnumerateArray()
                    .Any(p => p.GetProperty("id").GetString() == "minimal" && p.GetProperty("state").GetString() == "healthy");
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
