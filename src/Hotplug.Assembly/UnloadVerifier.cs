using System.Runtime.CompilerServices;
using Hotplug.Runtimes;

namespace Hotplug.Loading;

/// <summary>
/// Verifies that an unloaded collectible load context goes away: bounded garbage collections until it is collected,
/// or a leak report with what can be told of why.
/// </summary>
/// <remarks>
/// For any runtime that loads code into a <see cref="PluginLoadContext"/> (assembly plugins, and C# source compiled
/// into one): drop every strong reference into the context, call <see cref="System.Runtime.Loader.AssemblyLoadContext.Unload"/>,
/// keep only a <see cref="WeakReference"/> to it, and await <see cref="WaitForCollectionAsync"/> from a method that
/// holds nothing else of it.
/// </remarks>
internal static class UnloadVerifier
{
    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(250);

    /// <summary>Runs bounded garbage collections until the weakly held load context is gone or <paramref name="timeout"/> passes.</summary>
    /// <param name="weak">The context, weakly held.</param>
    /// <param name="timeout">How long it may take to be collected.</param>
    /// <param name="timeProvider">The clock the waits between collections are timed with.</param>
    /// <param name="cancellationToken">Stops the waiting (the host is stopping); already cancelled, nothing is collected.</param>
    /// <returns>Collected; leaked, with what holds the context when that can be found; or unverified when cancelled first.</returns>
    public static async ValueTask<ReleaseResult> WaitForCollectionAsync(WeakReference weak, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping: it does not wait for collections, nor pay for them.
            return ReleaseResult.Unverified("the host stopped");
        }

        var started = timeProvider.GetTimestamp();
        var delay = FirstWait;
        var cachesCleared = false;
        while (true)
        {
            if (!IsAlive(weak))
            {
                return ReleaseResult.Collected;
            }

            if (!cachesCleared)
            {
                // Framework caches (System.Text.Json's, for one) may hold the plugin's types: ask them to let go.
                cachesCleared = true;
                MetadataCaches.Clear();
                continue;
            }

            if (timeProvider.GetElapsedTime(started) > timeout)
            {
                return ReleaseResult.Leaked($"its load context is still alive {timeout.TotalSeconds:0.#} s after unload; {LeakDiagnostics.Describe(weak)}");
            }

            try
            {
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return IsAlive(weak) ? ReleaseResult.Unverified("the host stopped") : ReleaseResult.Collected;
            }

            delay = delay * 2 < LongestWait ? delay * 2 : LongestWait;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsAlive(WeakReference weak)
    {
        // Unloading needs a few collections: the context's own finalization, then what it rooted.
        for (var i = 0; i < 3 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return weak.IsAlive;
    }
}
