using Hotplug.Invocation;
using Hotplug.Routing;
using Hotplug.Runtimes;
using Hotplug.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hotplug.Hosting;

/// <summary>
/// The host applications hold, and its start and stop. Its jobs are parts of their own: the reconcile loop and its
/// passes (<see cref="ReconcileLoop"/>, <see cref="Reconciler"/>), the store (<see cref="StoreKeeper"/>), each
/// version's lifecycle (<see cref="VersionLifecycle"/>, <see cref="VersionRetirement"/>, along
/// <see cref="VersionTransitions"/>), health (<see cref="HealthMonitor"/>), routing (<see cref="Routers"/>) and
/// calls by name (<see cref="PluginInvoker"/>).
/// </summary>
internal sealed class PluginHost : IPluginHost, IPluginSlots, IHostedService, IAsyncDisposable
{
    private readonly HostContext _host;
    private readonly PluginRegistry _registry;
    private readonly Routers _routers;
    private readonly StoreKeeper _store;
    private readonly VersionRetirement _retirement;
    private readonly VersionLifecycle _lifecycle;
    private readonly Reconciler _reconciler;
    private readonly ReconcileLoop _loop;
    private readonly HealthMonitor _health;
    private readonly TrustKeeper _trust;
    private readonly IEnumerable<IPluginRuntime> _registeredRuntimes;
    private StateFolderLock? _lock;
    private Task? _loopTask;
    private Task? _healthTask;
    private int _started;

    public PluginHost(IOptions<HotplugOptions> options, ServiceExports exports, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null, IEnumerable<IPluginRuntime>? runtimes = null)
    {
        _registeredRuntimes = runtimes ?? [];
        _host = new HostContext(options.Value, exports, timeProvider, loggerFactory ?? NullLoggerFactory.Instance);
        _registry = new PluginRegistry(_host) { Sender = this };
        _routers = new Routers(_registry);
        _store = new StoreKeeper(_host, _registry);
        _retirement = new VersionRetirement(_host, _registry);
        _lifecycle = new VersionLifecycle(_host, _registry, _retirement, _store);
        _trust = new TrustKeeper(_host);
        _reconciler = new Reconciler(_host, _registry, _store, _trust, _lifecycle, _retirement);
        _loop = new ReconcileLoop(_host, _reconciler);
        _health = new HealthMonitor(_host, _registry);
        Invoker = new PluginInvoker(_registry);
        Admin = new PluginAdmin(_host, _loop, () => Volatile.Read(ref _started) != 0);
    }

    public event EventHandler<PluginStateChange>? StateChanged
    {
        add => _registry.StateChanged += value;
        remove => _registry.StateChanged -= value;
    }

    public HotplugOptions Options => _host.Options;

    /// <summary>Gets the calls by name, served as <see cref="IPluginInvoker"/>.</summary>
    public IPluginInvoker Invoker { get; }

    /// <summary>Gets the operator's levers, served as <see cref="IPluginAdmin"/>.</summary>
    public IPluginAdmin Admin { get; }

    /// <summary>
    /// Gets or sets what is called, on the staging thread, with a package's path just before it is staged. Tests
    /// use it to hold a staging open and show that the loop does not wait for it.
    /// </summary>
    internal Action<string>? StagingStarted
    {
        get => _store.StagingStarted;
        set => _store.StagingStarted = value;
    }

    public TContract Get<TContract>(string pluginId)
        where TContract : class => _routers.Get<TContract>(pluginId);

    public ContractSlot<TService> GetSlot<TService>(string pluginId)
        where TService : class => _routers.GetSlot<TService>(pluginId);

    public IReadOnlyList<PluginStatus> GetPlugins() => _registry.GetPlugins();

    /// <summary>Gets whether every plugin of the first scan has settled its first version.</summary>
    public bool IsLoaded => _loop.Loaded.IsCompletedSuccessfully;

    public Task WaitUntilLoadedAsync(CancellationToken cancellationToken = default) => _loop.Loaded.WaitAsync(cancellationToken);

    public PluginStatus? GetPlugin(string pluginId) => _registry.GetPlugin(pluginId);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The Hotplug host is already started.");
        }

        try
        {
            // Validated by the options pattern when the application's host starts; again here for a host started on its own.
            _host.Options.ThrowIfInvalid(_registeredRuntimes.Select(r => r.Name));
            _host.PluginsPath = Path.GetFullPath(_host.Options.PluginsPath);
            _host.StatePath = Path.GetFullPath(_host.Options.StatePath);
            Directory.CreateDirectory(_host.PluginsPath);

            // Before anything of the state folder is touched: a second host on it refuses to start.
            _lock = StateFolderLock.Acquire(_host.StatePath);
            await StartPartsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _lock?.Dispose();
            _lock = null;

            // Whoever waits for the plugins to load hears that they never will.
            _loop.CancelLoaded();
            throw;
        }

        _loopTask = Task.Run(() => _loop.RunAsync(_host.Stopping), CancellationToken.None);
        _healthTask = Task.Run(() => _health.RunAsync(_host.Stopping), CancellationToken.None);
    }

    /// <summary>
    /// Stops every plugin, drained, and releases the state folder. Bounded whatever a plugin does: calls in flight
    /// get at most <see cref="HotplugOptions.StopTimeout"/> to finish, then each version gets that long to stop;
    /// what is still running then is abandoned, and on record.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loopTask is null || _host.IsStopping)
        {
            return;
        }

        await _host.BeginStopAsync().ConfigureAwait(false);
        _loop.CancelLoaded();
        _loop.StopWatcher();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(StopBound);
        try
        {
            await _loopTask.WaitAsync(bound.Token).ConfigureAwait(false);
            await (_healthTask ?? Task.CompletedTask).WaitAsync(bound.Token).ConfigureAwait(false);

            // Starts under way are cancelled by the stop; a version that made it is taken offline below.
            await Task.WhenAll(_reconciler.Applying).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).WaitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A pass still busy (a store copy being checked) is left behind; what runs is stopped below.
        }

        try
        {
            // Stop every active version, in reverse order of id, drained as on any planned change.
            var stops = _registry.Entries.OrderByDescending(e => e.Id, StringComparer.Ordinal)
                .Select(e => _lifecycle.TakeOffline(e, "the host is stopping", verifyRelease: false))
                .ToList();
            await Task.WhenAll(stops.Concat(_retirement.Pending).Concat(_store.Pending)).WaitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StopAbandoned(_host.Logger, _retirement.Count, _store.Count, StopBound);
        }
        finally
        {
            _lock?.Dispose();
            _lock = null;
        }

        Log.HostStopped(_host.Logger);
    }

    public async ValueTask DisposeAsync()
    {
        if (_loopTask is not null && !_host.IsStopping)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _lock?.Dispose();
        _lock = null;
        _loop.CancelLoaded();
        _loop.StopWatcher();
        _host.Dispose();
    }

    /// <summary>Gets the longest the host's stop takes: the drain's bound, then the versions' stop timeout, and a second's grace.</summary>
    private TimeSpan StopBound => (_host.Options.StopTimeout * 2) + TimeSpan.FromSeconds(1);

    private async Task StartPartsAsync(CancellationToken cancellationToken)
    {
        var store = new PluginStore(Path.Combine(_host.StatePath, "store"));
        foreach (var leftover in store.RemoveLeftovers())
        {
            Log.LeftoverRemoved(_host.Logger, leftover);
        }

        _host.Store = store;
        _host.Versions = new VersionHistory(_host.StatePath);
        _host.Runtimes = await StartRuntimesAsync(store, cancellationToken).ConfigureAwait(false);
        _host.TrustPath = Path.GetFullPath(_host.Options.TrustPath ?? Path.Combine(_host.StatePath, "trust"));
        _trust.ReloadIfChanged();
        if (!_host.Options.RequireSignedPackages)
        {
            Log.UnsignedAllowed(_host.Logger);
        }

        _loop.StartWatcher();
        Log.HostStarted(_host.Logger, _host.PluginsPath, _host.StatePath, _host.Exports.ExportedTypes.Count);
    }

    /// <summary>The registered runtimes less the disabled ones, by name, each initialised once for this host.</summary>
    private async Task<Dictionary<string, IPluginRuntime>> StartRuntimesAsync(PluginStore store, CancellationToken cancellationToken)
    {
        var runtimes = new Dictionary<string, IPluginRuntime>(StringComparer.Ordinal);
        foreach (var runtime in _registeredRuntimes)
        {
            if (!runtimes.TryAdd(runtime.Name, runtime))
            {
                throw new PluginException($"Two plugin runtimes are named '{runtime.Name}': {runtimes[runtime.Name].GetType().FullName} and {runtime.GetType().FullName}.");
            }
        }

        foreach (var disabled in _host.Options.DisabledRuntimes)
        {
            runtimes.Remove(disabled);
        }

        var context = new PluginRuntimeContext
        {
            StatePath = _host.StatePath,
            StorePath = store.Root,
            LoggerFactory = _host.LoggerFactory,
            TimeProvider = _host.Time,
        };
        foreach (var runtime in runtimes.Values)
        {
            await runtime.InitializeAsync(context, cancellationToken).ConfigureAwait(false);
        }

        return runtimes;
    }
}
