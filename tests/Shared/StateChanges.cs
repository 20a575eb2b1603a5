using Microsoft.Extensions.Hosting;

namespace Hotplug.TestSupport;

/// <summary>
/// Waits for a host's plugin state changes: a test asks for the change it expects before causing it, and is woken by
/// the host's own event, never by a delay. Shared, as a linked source, by the test projects that run a real host.
/// </summary>
internal sealed class StateChanges
{
    private readonly List<(Func<PluginStateChange, bool> Match, TaskCompletionSource<PluginStateChange> Done)> _waiters = [];
    private readonly Lock _sync = new();
    private readonly TimeSpan _guard;

    /// <summary>Listens to <paramref name="plugins"/>; a wait gives up after <paramref name="guard"/> (a hang guard).</summary>
    public StateChanges(IPluginHost plugins, TimeSpan guard)
    {
        _guard = guard;
        plugins.StateChanged += OnStateChanged;
    }

    /// <summary>The next change, from now, that <paramref name="match"/> accepts.</summary>
    public Task<PluginStateChange> WaitForAsync(Func<PluginStateChange, bool> match)
    {
        var done = new TaskCompletionSource<PluginStateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            _waiters.Add((match, done));
        }

        return done.Task.WaitAsync(_guard);
    }

    /// <summary>Stops <paramref name="host"/> within <paramref name="guard"/>, disposes it, and deletes its folder if it can.</summary>
    public static async Task StopAsync(IHost host, TimeSpan guard, string? root)
    {
        using (var cts = new CancellationTokenSource(guard))
        {
            await host.StopAsync(cts.Token);
        }

        host.Dispose();
        if (root is not null)
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void OnStateChanged(object? sender, PluginStateChange change)
    {
        lock (_sync)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(change))
                {
                    _waiters[i].Done.TrySetResult(change);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
