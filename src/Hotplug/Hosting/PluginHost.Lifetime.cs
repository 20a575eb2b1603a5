using Hotplug.Loading;
using Hotplug.Runtimes;
using Hotplug.Store;

namespace Hotplug.Hosting;

/// <summary>The host's own start and stop: the state folder's lock, and a stop bounded whatever plugins do.</summary>
internal sealed partial class PluginHost
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The Hotplug host is already started.");
        }

        _options.Validate();
        PluginsPath = Path.GetFullPath(_options.PluginsPath);
        StatePath = Path.GetFullPath(_options.StatePath);
        Directory.CreateDirectory(PluginsPath);

        // Before anything of the state folder is touched: a second host on it refuses to start.
        _lock = StateFolderLock.Acquire(StatePath);
        try
        {
            Start();
        }
        catch
        {
            _lock.Dispose();
            _lock = null;
            throw;
        }

        _loop = Task.Run(() => RunLoopAsync(_stopping.Token), CancellationToken.None);
        _health = Task.Run(() => RunHealthChecksAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private void Start()
    {
        _store = new PluginStore(Path.Combine(StatePath, "store"));
        foreach (var leftover in _store.RemoveLeftovers())
        {
            Log.LeftoverRemoved(_logger, leftover);
        }

        _versions = new VersionHistory(StatePath);
        _shared = new SharedAssemblyPolicy(_options.SharedAssemblies);
        _runtimes = new Dictionary<string, IPluginRuntime>(StringComparer.Ordinal) { [AssemblyRuntime.RuntimeName] = new AssemblyRuntime(_shared) };
        foreach (var runtime in _registeredRuntimes)
        {
            if (!_runtimes.TryAdd(runtime.Name, runtime))
            {
                throw new PluginException($"Two plugin runtimes are named '{runtime.Name}': {_runtimes[runtime.Name].GetType().FullName} and {runtime.GetType().FullName}.");
            }
        }

        TrustPath = Path.GetFullPath(_options.TrustPath ?? Path.Combine(StatePath, "trust"));
        ReloadTrustIfChanged();
        if (!_options.RequireSignedPackages)
        {
            Log.UnsignedAllowed(_logger);
        }

        StartWatcher();
        Log.HostStarted(_logger, PluginsPath, StatePath, _exports.ExportedTypes.Count);
    }

    /// <summary>
    /// Stops every plugin, drained, and releases the state folder. Bounded whatever a plugin does: calls in flight
    /// get at most <see cref="HotplugOptions.StopTimeout"/> to finish, then each version gets that long to stop;
    /// what is still running then is abandoned, and on record.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is null || _stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _drainCutoff.CancelAfter(_options.StopTimeout);
        _watcher?.Dispose();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(StopBound);
        try
        {
            await _loop.WaitAsync(bound.Token).ConfigureAwait(false);
            await (_health ?? Task.CompletedTask).WaitAsync(bound.Token).ConfigureAwait(false);

            // Starts under way are cancelled by the stop; a version that made it is taken offline below.
            await Task.WhenAll(_applying.Values).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).WaitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A pass still busy (a store copy being checked) is left behind; what runs is stopped below.
        }

        try
        {
            // Stop every active version, in reverse order of id, drained as on any planned change.
            var stops = _entries.Values.OrderByDescending(e => e.Id, StringComparer.Ordinal)
                .Select(e => TakeOffline(e, "the host is stopping", verifyUnload: false))
                .ToList();
            await Task.WhenAll(stops.Concat(_retiring.Keys).Concat(_stagings.Keys)).WaitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StopAbandoned(_logger, _retiring.Count, _stagings.Count, StopBound);
        }
        finally
        {
            _lock?.Dispose();
            _lock = null;
        }

        Log.HostStopped(_logger);
    }

    /// <summary>Gets the longest the host's stop takes: the drain's bound, then the versions' stop timeout, and a second's grace.</summary>
    private TimeSpan StopBound => (_options.StopTimeout * 2) + TimeSpan.FromSeconds(1);

    public async ValueTask DisposeAsync()
    {
        if (_loop is not null && !_stopping.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _lock?.Dispose();
        _lock = null;
        _watcher?.Dispose();
        _stopping.Dispose();
        _drainCutoff.Dispose();
    }
}
