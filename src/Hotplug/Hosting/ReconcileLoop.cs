using System.Collections.Concurrent;

namespace Hotplug.Hosting;

/// <summary>
/// The host's one reconcile loop: a pass on every file system event, on every signal from the host's parts, and on a
/// timer (events get lost). It never waits on a plugin: stagings and starts run off it, and signal it when they end.
/// </summary>
internal sealed class ReconcileLoop(HostContext host, Reconciler reconciler)
{
    private readonly ConcurrentQueue<TaskCompletionSource> _rescanWaiters = new();
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FileSystemWatcher? _watcher;

    /// <summary>
    /// Gets a task that completes when every plugin folder the first pass found has settled its first version
    /// (<see cref="Reconciler.IsLoaded"/>), and is cancelled when the host stops or fails to start before that.
    /// </summary>
    public Task Loaded => _loaded.Task;

    /// <summary>Cancels <see cref="Loaded"/> if it has not completed: the host stops, or did not start.</summary>
    public void CancelLoaded() => _loaded.TrySetCanceled();

    /// <summary>Asks for a pass now.</summary>
    /// <returns>A task that completes when a pass that started after this call has ended, with what it set going.</returns>
    public Task RescanAsync(CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _rescanWaiters.Enqueue(waiter);
        host.Signals.Signal();
        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Watches the plugins folder; events only make passes come sooner.</summary>
    public void StartWatcher()
    {
        try
        {
            _watcher = new FileSystemWatcher(host.PluginsPath)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            _watcher.Created += (_, _) => host.Signals.Signal();
            _watcher.Changed += (_, _) => host.Signals.Signal();
            _watcher.Deleted += (_, _) => host.Signals.Signal();
            _watcher.Renamed += (_, _) => host.Signals.Signal();
            _watcher.Error += (_, e) => { Log.WatcherFailed(host.Logger, e.GetException()); host.Signals.Signal(); };
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // Events are an optimisation: the periodic rescan finds every change anyway.
            Log.WatcherFailed(host.Logger, ex);
        }
    }

    public void StopWatcher()
    {
        _watcher?.Dispose();
        _watcher = null;
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        // Rescan callers wait for a pass that started after their call, and for what it set going (stagings off
        // the loop, then starts) to be done.
        var waiters = new List<TaskCompletionSource>();
        while (!stopping.IsCancellationRequested)
        {
            while (_rescanWaiters.TryDequeue(out var waiter))
            {
                waiters.Add(waiter);
            }

            TimeSpan? recheck = null;
            try
            {
                recheck = reconciler.Pass(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // A pass must never end the loop: log and try again on the next signal or tick.
                Log.PassFailed(host.Logger, ex);
            }

            if (reconciler.IsLoaded)
            {
                _loaded.TrySetResult();
            }

            if (reconciler.IsReconciled)
            {
                waiters.ForEach(w => w.TrySetResult());
                waiters.Clear();
            }

            var delay = recheck is { } r && r < host.Options.RescanInterval ? r : host.Options.RescanInterval;
            try
            {
                await host.Signals.WaitAsync(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
        }

        CancelLoaded();
        waiters.ForEach(w => w.TrySetCanceled(stopping));
        while (_rescanWaiters.TryDequeue(out var waiter))
        {
            waiter.TrySetCanceled(stopping);
        }
    }
}
