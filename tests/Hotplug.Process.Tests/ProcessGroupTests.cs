using System.Globalization;
using Hotplug.TestContracts;
using Hotplug.Wire;

namespace Hotplug.Process.Tests;

/// <summary>Each plugin leads a process group of its own; what it spawns ends with it.</summary>
public sealed class ProcessGroupTests : IDisposable
{
    private readonly string _pidFile = Path.Combine(Path.GetTempPath(), "hotplug-grandchild-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (File.Exists(_pidFile))
        {
            var pid = GrandchildPid();
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
            }

            File.Delete(_pidFile);
        }
    }

    [Fact]
    public async Task Start_Plugin_LeadsAProcessGroupOfItsOwnUnderTheSamePid()
    {
        await using var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], GoPlugins.Options(), new ListLogger(), CancellationToken.None);

        Assert.Equal(plugin.ProcessId, ProcFs.Group(plugin.ProcessId));
        Assert.NotEqual(ProcFs.Group(Environment.ProcessId), plugin.ProcessId);
    }

    [Fact]
    public async Task Stop_PluginSpawnedAGrandchild_TheGrandchildEndsWithIt()
    {
        var plugin = await StartSpawningAsync();
        var grandchild = GrandchildPid();
        Assert.True(ProcFs.IsAlive(grandchild));
        Assert.Equal(plugin.ProcessId, ProcFs.Group(grandchild));

        var graceful = await plugin.StopAsync();
        await plugin.DisposeAsync();

        Assert.True(graceful);
        await ProcFs.WaitUntilGoneAsync(grandchild);
    }

    [Fact]
    public async Task Crash_PluginSpawnedAGrandchild_TheGrandchildEndsWithIt()
    {
        await using var plugin = await StartSpawningAsync();
        var grandchild = GrandchildPid();
        var echo = ContractClient.Create<IEcho>(plugin.CallInvoker);

        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => echo.EchoAsync(new EchoRequest("crash")).AsTask());
        await plugin.WaitForExitAsync(CancellationToken.None);

        Assert.Equal(3, plugin.ExitCode);
        await ProcFs.WaitUntilGoneAsync(grandchild);
    }

    [Fact]
    public async Task Start_Plugin_FolderRecordsItsHostAndGroupAndIsRemovedAtStop()
    {
        var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], GoPlugins.Options(), new ListLogger(), CancellationToken.None);
        var folder = Path.GetDirectoryName(plugin.Handshake.Address)!;

        var record = File.ReadAllLines(Path.Combine(folder, ".hotplug-host"));

        Assert.Contains(record, l => l.StartsWith($"host {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)} ", StringComparison.Ordinal));
        Assert.Contains(record, l => l.StartsWith($"group {plugin.ProcessId.ToString(CultureInfo.InvariantCulture)} ", StringComparison.Ordinal));
        Assert.Contains($"exe {GoPlugins.Minimal}", record);
        await plugin.DisposeAsync();
        Assert.False(Directory.Exists(folder));
    }

    private Task<PluginProcess> StartSpawningAsync() =>
        PluginProcess.StartAsync("spawner", GoPlugins.EchoPlugin, [], GoPlugins.Options(o =>
        {
            o.Environment["HOTPLUG_CONFIG_testMode"] = "grandchild";
            o.Environment["HOTPLUG_CONFIG_pidFile"] = _pidFile;
        }), new ListLogger(), CancellationToken.None);

    private int GrandchildPid() => int.Parse(File.ReadAllText(_pidFile), CultureInfo.InvariantCulture);
}
