using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Plugin;

/// <summary>
/// Exits the plugin when its host dies, even by <c>kill -9</c>: the plugin is then re-parented, so its parent process
/// id changes. No orphan keeps running.
/// </summary>
internal static partial class ParentWatch
{
    /// <summary>The parent's process id now (0 on Windows, where it is not watched). Taken first, so a host that dies at any moment after is noticed.</summary>
    public static int Current() => OperatingSystem.IsWindows() ? 0 : GetParentProcessId();

    /// <summary>Stops the application when the parent process is no longer <paramref name="parent"/>.</summary>
    public static async Task WatchAsync(int parent, TimeSpan interval, IHostApplicationLifetime lifetime, ILogger logger)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(lifetime.ApplicationStopping).ConfigureAwait(false))
            {
                if (GetParentProcessId() != parent)
                {
                    logger.LogWarning("The host process {ParentId} is gone; the plugin exits", parent);
                    lifetime.StopApplication();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The plugin is stopping.
        }
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();
}
