using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process;

/// <summary>
/// Stops what a previous host left behind. go-plugin plugins do not watch their parent, so a host killed with
/// <c>kill -9</c> leaves its plugins running, re-parented, and what plugins spawned outlives even those that do. Each
/// plugin's folder in the temporary directory records its host, its executable and its process group
/// (<see cref="SocketFolder"/>): the next host on the same state folder ends the groups of hosts that are gone and
/// removes their folders (any host removes such folders once nothing runs in them). Plugins
/// started before such records, or without a group of their own, still run from the store: the next host with the
/// same state folder finds them there (by their executable's path, in /proc) and stops them.
/// </summary>
internal static class OrphanReaper
{
    /// <summary>Kills the processes running an executable under <paramref name="storeRoot"/> whose host is gone: they were re-parented to init or to a subreaper.</summary>
    /// <returns>The process ids killed.</returns>
    public static IReadOnlyList<int> Reap(string storeRoot, ILogger logger)
    {
        var killed = new List<int>();
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc"))
        {
            return killed;
        }

        SocketFolder.ReapAbandoned(storeRoot, logger);

        var root = Path.GetFullPath(storeRoot).TrimEnd('/') + "/";
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (new FileInfo(Path.Combine(entry, "exe")).LinkTarget is not { } executable || !executable.StartsWith(root, StringComparison.Ordinal))
                {
                    continue;
                }

                // /proc/<pid>/stat: "pid (name) state ppid ..."; the name may contain spaces, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(entry, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (parent != 1 && !IsSubreaperOrInit(parent))
                {
                    // Its host is alive: this one's, or another running on the same state folder.
                    continue;
                }

                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
                killed.Add(pid);
                logger.LogWarning("Stopped plugin process {Pid} ({Executable}) left running by a host that is gone", pid, executable);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while it was looked at, or is not ours to look at.
            }
        }

        return killed;
    }

    private static bool IsSubreaperOrInit(int pid)
    {
        // A re-parented orphan's new parent is init (1) or the session's subreaper (systemd --user, a container's
        // init): a process that did not start it. Such parents do not run plugins from this store themselves.
        try
        {
            var executable = new FileInfo($"/proc/{pid}/exe").LinkTarget ?? string.Empty;
            return executable.EndsWith("/systemd", StringComparison.Ordinal) || executable.EndsWith("/init", StringComparison.Ordinal) || executable.EndsWith("/tini", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }
}
