using System.Collections.Concurrent;
using System.Reflection;
using System.Threading.Channels;
using Hotplug.Loading;
using Hotplug.Packaging;
using Hotplug.Routing;
using Hotplug.Runtimes;
using Hotplug.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hotplug.Hosting;

/// <summary>
/// The host: one reconcile loop that makes what runs match what the plugins folder describes, and the
/// routers callers hold.
/// </summary>
internal sealed partial class PluginHost : IPluginHost, IHostedService, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PluginEntry> _entries = new(StringComparer.Ordinal);
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentQueue<TaskCompletionSource> _rescanWaiters = new();
    private readonly ConcurrentDictionary<Task, string> _retiring = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _drainCutoff = new();
    private readonly HotplugOptions _options;
    private readonly ServiceExports _exports;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IEnumerable<IPluginRuntime> _registeredRuntimes;
    private Dictionary<string, IPluginRuntime>? _runtimes;
    private readonly ConcurrentQueue<string> _reapply = new();
    private SharedAssemblyPolicy? _shared;
    private PluginStore? _store;
    private VerificationPolicy? _verification;
    private VersionHistory? _versions;
    private string? _trustFingerprint;
    private StateFolderLock? _lock;
    private FileSystemWatcher? _watcher;
    private Task? _loop;
    private Task? _health;
    private int _started;

    public PluginHost(IOptions<HotplugOptions> options, ServiceExports exports, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null, IEnumerable<IPluginRuntime>? runtimes = null)
    {
        _registeredRuntimes = runtimes ?? [];
        _options = options.Value;
        _exports = exports;
        _time = timeProvider;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("Hotplug.Host");
    }

    public event EventHandler<PluginStateChange>? StateChanged;

    public HotplugOptions Options => _options;

    public string PluginsPath { get; private set; } = string.Empty;

    public string StatePath { get; private set; } = string.Empty;

    public string TrustPath { get; private set; } = string.Empty;

    public void AllowDowngrade(string pluginId, string version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        if (!Manifest.ManifestRules.IsValidId(pluginId))
        {
            throw new ArgumentException($"'{pluginId}' is not a valid plugin id.", nameof(pluginId));
        }

        if (!Manifest.ManifestRules.IsValidVersion(version))
        {
            throw new ArgumentException($"'{version}' is not a semantic version (MAJOR.MINOR.PATCH).", nameof(version));
        }

        if (_versions is null)
        {
            throw new InvalidOperationException("The Hotplug host has not been started.");
        }

        _versions.Allow(pluginId, version);
        _reapply.Enqueue(pluginId);
        Signal();
    }

    public TContract Get<TContract>(string pluginId)
        where TContract : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        var type = typeof(TContract);
        if (!type.IsInterface || type.GetCustomAttribute<PluginContractAttribute>() is null)
        {
            throw new PluginException(
                $"{type.FullName} is not a plugin contract: mark the interface with [PluginContract(\"name/v1\")] in an assembly that references Hotplug.Abstractions.",
                pluginId);
        }

        var entry = _entries.GetOrAdd(pluginId, static id => new PluginEntry(id));
        lock (entry.Sync)
        {
            var handle = SlotFor<TContract>(entry);
            if (handle.Router is { } existing)
            {
                return existing;
            }

            if (!RouterRegistry.TryCreate(handle.Slot, out var router) || router is null)
            {
                throw new PluginException(
                    $"No router was generated for {type.FullName}. The project that calls Get<{type.Name}>() must reference the Hotplug package (which brings its source generator), or the generator project as an analyzer.",
                    pluginId);
            }

            handle.Router = router;
            return router;
        }
    }

    public ContractSlot<TService> GetSlot<TService>(string pluginId)
        where TService : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        var entry = _entries.GetOrAdd(pluginId, static id => new PluginEntry(id));
        lock (entry.Sync)
        {
            return SlotFor<TService>(entry).Slot;
        }
    }

    /// <summary>The slot of <typeparamref name="T"/> for the plugin, created and bound on first use. Call under the entry's lock.</summary>
    private static SlotHandle<T> SlotFor<T>(PluginEntry entry)
        where T : class
    {
        if (entry.Slots.TryGetValue(typeof(T), out var existing))
        {
            return (SlotHandle<T>)existing;
        }

        var handle = new SlotHandle<T>(new ContractSlot<T>(entry.Id), router: null);
        handle.Bind(entry.Active);
        entry.Slots.Add(typeof(T), handle);
        return handle;
    }

    public IReadOnlyList<PluginStatus> GetPlugins() =>
        [.. _entries.Values.Where(e => e.Known || e.Active is not null || e.History.Count > 0 || e.LastError is not null)
            .OrderBy(e => e.Id, StringComparer.Ordinal)
            .Select(e => e.ToStatus())];

    public PluginStatus? GetPlugin(string pluginId) =>
        _entries.TryGetValue(pluginId, out var entry) && (entry.Known || entry.Active is not null || entry.History.Count > 0 || entry.LastError is not null)
            ? entry.ToStatus()
            : null;

    public Task RescanAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _started) == 0)
        {
            throw new InvalidOperationException("The Hotplug host has not been started.");
        }

        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _rescanWaiters.Enqueue(waiter);
        Signal();
        return waiter.Task.WaitAsync(cancellationToken);
    }

    private void Signal() => _signal.Writer.TryWrite(true);

    /// <summary>
    /// Reloads the trust folder when it changed. Packages looked at under the old trust are looked at again,
    /// so adding a key admits a package it signed, and revoking one takes effect at the next upgrade.
    /// </summary>
    private void ReloadTrustIfChanged()
    {
        var fingerprint = File.Exists(TrustPath) || Directory.Exists(TrustPath)
            ? Discovery.FolderFingerprint.TryTake(TrustPath)?.Value ?? string.Empty
            : string.Empty;
        if (_verification is not null && fingerprint == _trustFingerprint)
        {
            return;
        }

        TrustStore trust;
        try
        {
            trust = TrustStore.Load(TrustPath);
        }
        catch (PluginException ex) when (_verification is not null)
        {
            // A broken edit of the trust folder keeps the trust that was loaded.
            Log.PassFailed(_logger, ex);
            return;
        }

        var previous = _verification?.Trust;
        _verification = new VerificationPolicy(trust, _options.RequireSignedPackages, _options.MaxPackageSize, _options.MaxPackageFiles, _runtimes);
        previous?.Dispose();
        _trustFingerprint = fingerprint;
        Log.TrustLoaded(_logger, trust.KeyIds.Count, TrustPath);
        foreach (var folder in _folders.Values)
        {
            folder.Processed = null;
        }
    }

    private void StartWatcher()
    {
        try
        {
            _watcher = new FileSystemWatcher(PluginsPath)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            _watcher.Created += (_, _) => Signal();
            _watcher.Changed += (_, _) => Signal();
            _watcher.Deleted += (_, _) => Signal();
            _watcher.Renamed += (_, _) => Signal();
            _watcher.Error += (_, e) => { Log.WatcherFailed(_logger, e.GetException()); Signal(); };
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // Events are an optimisation: the periodic rescan finds every change anyway.
            Log.WatcherFailed(_logger, ex);
        }
    }

    private async Task RunLoopAsync(CancellationToken stopping)
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
                recheck = await ScanAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // A pass must never end the loop: log and try again on the next signal or tick.
                Log.PassFailed(_logger, ex);
            }

            if (IsReconciled())
            {
                waiters.ForEach(w => w.TrySetResult());
                waiters.Clear();
            }

            var delay = recheck is { } r && r < _options.RescanInterval ? r : _options.RescanInterval;
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            wake.CancelAfter(delay);
            try
            {
                await _signal.Reader.WaitToReadAsync(wake.Token).ConfigureAwait(false);
                _signal.Reader.TryRead(out _);
            }
            catch (OperationCanceledException)
            {
                // The tick: rescan.
            }
        }

        waiters.ForEach(w => w.TrySetCanceled(stopping));
        while (_rescanWaiters.TryDequeue(out var waiter))
        {
            waiter.TrySetCanceled(stopping);
        }
    }

    private void Raise(PluginEntry entry, string? version, PluginState state, string? reason)
    {
        Log.StateChanged(_logger, entry.Id, version ?? "-", state, reason ?? string.Empty);
        try
        {
            StateChanged?.Invoke(this, new PluginStateChange(entry.Id, version, state, reason));
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ex);
        }
    }
}
