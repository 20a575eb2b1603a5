using System.Diagnostics;
using System.Globalization;

namespace Hotplug.Process.Tests;

/// <summary>What the next host does with the plugin folders of a host that is gone.</summary>
public sealed class SocketFolderTests : IDisposable
{
    /// <summary>A store's path: only compared with the executables the records name, never made.</summary>
    private readonly string _store = Path.Combine(Path.GetTempPath(), "hotplug-reaper-tests", Guid.NewGuid().ToString("N")[..10], "store");
    private readonly List<System.Diagnostics.Process> _started = [];

    public void Dispose()
    {
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            process.Dispose();
        }
    }

    [Fact]
    public async Task ReapAbandoned_HostGoneAndItsPluginRanFromThisStore_GroupEndedAndFolderRemoved()
    {
        var (folder, leftover) = await AbandonAsync(Path.Combine(_store, "kv", "1.0.0-abc", "kv"));

        var removed = SocketFolder.ReapAbandoned(_store, new ListLogger());

        Assert.Contains(folder, removed);
        Assert.False(Directory.Exists(folder));
        await leftover.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task ReapAbandoned_HostGoneAndItsPluginRanFromAnotherStore_LeftForAHostOnThatStoreUntilItsGroupIsEmpty()
    {
        var (folder, leftover) = await AbandonAsync(Path.Combine(_store + "-other", "kv", "1.0.0-abc", "kv"));

        Assert.DoesNotContain(folder, SocketFolder.ReapAbandoned(_store, new ListLogger()));
        Assert.True(Directory.Exists(folder));
        Assert.False(leftover.HasExited);

        leftover.Kill();
        await leftover.WaitForExitAsync();
        Assert.Contains(folder, SocketFolder.ReapAbandoned(_store, new ListLogger()));
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task ReapAbandoned_HostStillRunning_FolderAndGroupLeftAlone()
    {
        var folder = SocketFolder.Create("kv", Path.Combine(_store, "kv", "1.0.0-abc", "kv"));
        var leftover = await StartInItsOwnGroupAsync();
        folder.RecordGroup(leftover.Id);

        Assert.DoesNotContain(folder.Path, SocketFolder.ReapAbandoned(_store, new ListLogger()));
        Assert.True(Directory.Exists(folder.Path));
        Assert.False(leftover.HasExited);
        folder.Delete();
    }

    /// <summary>A plugin folder whose group runs a process, recorded as made by a host that is gone: one that has exited.</summary>
    private async Task<(string Folder, System.Diagnostics.Process Leftover)> AbandonAsync(string executable)
    {
        var folder = SocketFolder.Create("kv", executable);
        var leftover = await StartInItsOwnGroupAsync();
        folder.RecordGroup(leftover.Id);
        using var host = System.Diagnostics.Process.Start("true")!;
        await host.WaitForExitAsync();
        var record = Path.Combine(folder.Path, ".hotplug-host");
        var lines = File.ReadAllLines(record).Select(l => l.StartsWith("host ", StringComparison.Ordinal) ? $"host {host.Id.ToString(CultureInfo.InvariantCulture)} 1" : l);
        File.WriteAllLines(record, lines);
        return (folder.Path, leftover);
    }

    private async Task<System.Diagnostics.Process> StartInItsOwnGroupAsync()
    {
        var info = new ProcessStartInfo("sleep") { UseShellExecute = false };
        info.ArgumentList.Add("600");
        Assert.True(ProcessGroup.Isolate(info));
        var process = System.Diagnostics.Process.Start(info)!;
        _started.Add(process);

        // setsid makes the group an instant after the start; a plugin's is made long before its handshake.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (ProcFs.Group(process.Id) != process.Id)
        {
            await Task.Delay(10, guard.Token);
        }

        return process;
    }
}
