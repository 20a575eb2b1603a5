using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Hotplug.Process;

/// <summary>
/// Runs each plugin as the leader of a process group of its own, so that what it spawns can be ended with it: a
/// stop, a crash or the next host (after a <c>kill -9</c> of this one) signals the whole group, not just the plugin.
/// .NET cannot start a process in a new group, so the plugin is started through util-linux's <c>setsid</c>, which
/// makes a new session and group and then executes the plugin in its own place — the host's child is never a group
/// leader, so <c>setsid</c> does not fork and the plugin keeps the process id the host started.
/// See https://github.com/util-linux/util-linux/blob/master/sys-utils/setsid.c.
/// </summary>
internal static partial class ProcessGroup
{
    private const int SigKill = 9;

    /// <summary>Gets the path of <c>setsid</c>, or <see langword="null"/> where there is none (Windows, macOS): plugins then run in the host's group and only their process tree is ended.</summary>
    public static string? Launcher { get; } = FindLauncher();

    /// <summary>Makes <paramref name="info"/> start its program as the leader of a new process group.</summary>
    /// <returns>Whether it will: <see langword="false"/> without <see cref="Launcher"/>.</returns>
    public static bool Isolate(ProcessStartInfo info)
    {
        if (Launcher is null)
        {
            return false;
        }

        info.ArgumentList.Insert(0, info.FileName);
        info.FileName = Launcher;
        return true;
    }

    /// <summary>Kills every process of the group <paramref name="groupId"/> (the id of its leader) with SIGKILL.</summary>
    /// <returns>Whether any process was signalled.</returns>
    public static bool Kill(int groupId) => !OperatingSystem.IsWindows() && groupId > 1 && SendSignal(-groupId, SigKill) == 0;

    /// <summary>Gets whether any process is in the group <paramref name="groupId"/> (signal 0 checks without sending).</summary>
    public static bool HasMembers(int groupId) => !OperatingSystem.IsWindows() && groupId > 1 && SendSignal(-groupId, 0) == 0;

    /// <summary>Gets when a process started (clock ticks after boot, from <c>/proc/&lt;pid&gt;/stat</c>), to tell it from a later process given the same id; <see langword="null"/> when it is gone or unknown.</summary>
    public static long? StartTime(int pid)
    {
        try
        {
            // "pid (name) state ppid pgrp ... starttime(22) ...": the name may hold spaces, so count after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static string? FindLauncher()
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var folders = new[] { "/usr/bin", "/bin" }.Concat((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries));
        return folders.Select(f => Path.Combine(f, "setsid")).FirstOrDefault(File.Exists);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
