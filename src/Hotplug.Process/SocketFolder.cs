using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process;

/// <summary>
/// The private folder (mode 0700, under <c>/tmp</c>, short for the 104-byte socket path limit) of one plugin process:
/// its Unix socket, the host services' socket, its temporary files. A record in it names the host that made it
/// (process id and start time, boot), the plugin's executable and its process group, so that the next host on the
/// same store finds what a host killed with <c>kill -9</c> left — the folder, and the plugin's group with whatever it
/// spawned — and ends it.
/// </summary>
internal sealed class SocketFolder
{
    /// <summary>The prefix of every plugin folder's name.</summary>
    public const string Prefix = "hp-";

    private const string RecordName = ".hotplug-host";
    private static readonly string Root = "/tmp";
    private readonly string _pluginId;
    private readonly string _executable;

    private SocketFolder(string path, string pluginId, string executable)
    {
        Path = path;
        _pluginId = pluginId;
        _executable = executable;
    }

    public string Path { get; }

    /// <summary>Makes a new folder for <paramref name="pluginId"/>'s process, recording which host made it and what it runs.</summary>
    public static SocketFolder Create(string pluginId, string executable)
    {
        var path = System.IO.Path.Combine(Root, Prefix + Guid.NewGuid().ToString("N")[..10]);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var folder = new SocketFolder(path, pluginId, executable);
        folder.Write(group: null);
        return folder;
    }

    /// <summary>Records the process group the plugin leads, for the next host should this one be killed.</summary>
    public void RecordGroup(int groupId) => Write(groupId);

    public void Delete() => TryDelete(Path);

    /// <summary>
    /// Ends what hosts that are gone left in their plugin folders: for plugins that ran from <paramref name="storeRoot"/>,
    /// each plugin's process group (the plugin, and anything it spawned and did not take out of the group), then the
    /// folder; of other stores, only folders whose group is empty — what still runs there is for a host on that store
    /// to end. Folders of hosts still running (this one, or another on any store) and of other users are left alone.
    /// </summary>
    /// <returns>The folders removed.</returns>
    public static IReadOnlyList<string> ReapAbandoned(string storeRoot, ILogger logger)
    {
        var store = System.IO.Path.GetFullPath(storeRoot).TrimEnd('/') + "/";
        var removed = new List<string>();
        if (!OperatingSystem.IsLinux())
        {
            return removed;
        }

        var boot = BootId();
        IEnumerable<string> folders;
        try
        {
            folders = Directory.EnumerateDirectories(Root, Prefix + "*").ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return removed;
        }

        foreach (var folder in folders)
        {
            if (Read(folder) is not { } record || record.User != Environment.UserName)
            {
                // Another user's (unreadable), or being made this instant, or made by an older host.
                continue;
            }

            var sameBoot = record.Boot == boot;
            if (sameBoot && ProcessGroup.StartTime(record.HostPid) == record.HostStart)
            {
                continue;
            }

            if (sameBoot && record.Group is { } running && !record.Executable.StartsWith(store, StringComparison.Ordinal) && ProcessGroup.HasMembers(running))
            {
                continue;
            }

            // A group leader's id is not given to another process while its group has members: when the leader is gone,
            // or is the same process (same start time), the group is the plugin's. When another process now has the
            // id, the plugin's group is empty.
            if (sameBoot && record.Group is { } group && ProcessGroup.StartTime(group) is var start && (start is null || start == record.GroupStart) && ProcessGroup.Kill(group))
            {
                logger.LogWarning("Ended process group {Group} of plugin {PluginId}, left running by a host that is gone (process {HostPid})", group, record.PluginId, record.HostPid);
            }

            TryDelete(folder);
            removed.Add(folder);
        }

        return removed;
    }

    private void Write(int? group)
    {
        var host = Environment.ProcessId;
        var lines = new List<string>
        {
            "user " + Environment.UserName,
            "boot " + BootId(),
            $"host {host.ToString(CultureInfo.InvariantCulture)} {(ProcessGroup.StartTime(host) ?? 0).ToString(CultureInfo.InvariantCulture)}",
            "plugin " + _pluginId.ReplaceLineEndings(" "),
            "exe " + _executable.ReplaceLineEndings(" "),
        };
        if (group is { } g)
        {
            lines.Add($"group {g.ToString(CultureInfo.InvariantCulture)} {(ProcessGroup.StartTime(g) ?? 0).ToString(CultureInfo.InvariantCulture)}");
        }

        // Written whole and renamed into place, so a reader never sees half a record.
        var record = System.IO.Path.Combine(Path, RecordName);
        File.WriteAllLines(record + ".new", lines);
        File.Move(record + ".new", record, overwrite: true);
    }

    private static Record? Read(string folder)
    {
        try
        {
            var fields = File.ReadAllLines(System.IO.Path.Combine(folder, RecordName))
                .Select(l => l.Split(' ', 2))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
            var host = fields["host"].Split(' ');
            var group = fields.TryGetValue("group", out var g) ? g.Split(' ') : null;
            return new Record(
                fields["user"],
                fields["boot"],
                int.Parse(host[0], CultureInfo.InvariantCulture),
                long.Parse(host[1], CultureInfo.InvariantCulture),
                fields.GetValueOrDefault("plugin", "?"),
                fields.GetValueOrDefault("exe", string.Empty),
                group is null ? null : int.Parse(group[0], CultureInfo.InvariantCulture),
                group is null ? 0 : long.Parse(group[1], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KeyNotFoundException or FormatException or OverflowException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static string BootId()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private sealed record Record(string User, string Boot, int HostPid, long HostStart, string PluginId, string Executable, int? Group, long GroupStart);
}
