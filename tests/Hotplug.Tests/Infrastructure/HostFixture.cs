using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Hotplug.TestContracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hotplug.Tests.Infrastructure;

/// <summary>
/// A real host over a temporary plugins folder. Waits are driven by the host's state changes, bounded
/// only to turn a hang into a failure.
/// </summary>
internal sealed partial class HostFixture : IAsyncDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private readonly IHost _host;
    private readonly ConcurrentQueue<PluginStateChange> _changes = new();
    private readonly List<(Func<PluginStateChange, bool> Match, TaskCompletionSource<PluginStateChange> Done)> _waiters = [];
    private readonly object _sync = new();
    private bool _stopped;

    private HostFixture(string root, Action<HotplugOptions>? configure, Action<IHotplugBuilder>? hotplug)
    {
        Root = root;
        PluginsPath = Path.Combine(root, "plugins");
        StatePath = Path.Combine(root, "state");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<ICounterService, Counter>();
        builder.Services.AddSingleton<ISecretService, SecretService>();
        builder.Services.AddSingleton(Holds);
        builder.Services.AddSingleton<IHoldService>(Holds);
        var hotplugBuilder = builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = PluginsPath;
                o.StatePath = StatePath;
                o.StabilityWindow = TimeSpan.FromMilliseconds(150);
                o.RescanInterval = TimeSpan.FromSeconds(1);
                o.DefaultDrainTimeout = TimeSpan.FromSeconds(10);
                o.UnloadTimeout = TimeSpan.FromSeconds(10);
                o.RequireSignedPackages = false;
                configure?.Invoke(o);
            })
            .ExportService<ICounterService>()
            .ExportService<IHoldService>();
        AddRuntimes(hotplugBuilder);
        hotplug?.Invoke(hotplugBuilder);
        _host = builder.Build();
        Plugins = _host.Services.GetRequiredService<IPluginHost>();
        Invoker = _host.Services.GetRequiredService<IPluginInvoker>();
        Admin = _host.Services.GetRequiredService<IPluginAdmin>();
        Plugins.StateChanged += OnStateChanged;
    }

    public string Root { get; }

    public string PluginsPath { get; }

    public string StatePath { get; }

    public IPluginHost Plugins { get; }

    /// <summary>Gets the host's calls by name.</summary>
    public IPluginInvoker Invoker { get; }

    /// <summary>Gets the host's rescans and rollbacks.</summary>
    public IPluginAdmin Admin { get; }

    public HoldService Holds { get; } = new();

    /// <summary>Gets the application's services (health checks, for one).</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Gets how often plugins have incremented the exported <see cref="ICounterService"/>.</summary>
    public int Counted => ((Counter)_host.Services.GetRequiredService<ICounterService>()).Value;

    public IReadOnlyCollection<PluginStateChange> Changes => _changes;

    /// <summary>
    /// Starts a host over a new temporary folder, or over <paramref name="root"/> (the plugins and state of an earlier
    /// host); <paramref name="hotplug"/> adds to what <c>AddHotplug()</c> set up (runtimes turned off or configured).
    /// </summary>
    public static async Task<HostFixture> StartAsync(Action<HotplugOptions>? configure = null, Action<HostFixture>? before = null, string? root = null, Action<IHotplugBuilder>? hotplug = null)
    {
        root ??= Path.Combine(Path.GetTempPath(), "hotplug-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var fixture = new HostFixture(root, configure, hotplug);
        before?.Invoke(fixture);
        try
        {
            await fixture._host.StartAsync();
        }
        catch
        {
            fixture._stopped = true;
            fixture._host.Dispose();
            throw;
        }

        return fixture;
    }

    /// <summary>Stops the host, drained, and keeps its folders (for a host started over them next).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using (var cts = new CancellationTokenSource(HangGuard))
        {
            await _host.StopAsync(cts.Token);
        }

        _host.Dispose();
    }

    public string Folder(string name) => Path.Combine(PluginsPath, name);

    /// <summary>Installs a plugin and waits until that version is healthy.</summary>
    public async Task InstallAsync(string folderName, string id, string version, string project = TestPlugins.Echo, JsonObject? config = null)
    {
        var healthy = WaitForAsync(id, PluginVersionState.Healthy, version);
        TestPlugins.Install(Folder(folderName), TestPlugins.Manifest(id, version, project, config), project);
        await healthy;
    }

    /// <summary>Waits for a version of <paramref name="id"/> to change to <paramref name="state"/> (<paramref name="version"/> when given).</summary>
    public Task<PluginStateChange> WaitForAsync(string id, PluginVersionState state, string? version = null) =>
        WaitForAsync(c => c.PluginId == id && c.VersionState == state && (version is null || c.Version == version));

    /// <summary>Waits for the plugin <paramref name="id"/> itself to change to <paramref name="state"/> (it went offline).</summary>
    public Task<PluginStateChange> WaitForAsync(string id, PluginState state) =>
        WaitForAsync(c => c.PluginId == id && c.VersionState is null && c.State == state);

    public Task<PluginStateChange> WaitForAsync(Func<PluginStateChange, bool> match)
    {
        var done = new TaskCompletionSource<PluginStateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            _waiters.Add((match, done));
        }

        return done.Task.WaitAsync(HangGuard);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; for effects that raise no event.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (!condition())
        {
            await Task.Delay(10, guard.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Registers the runtimes a test project adds beside the assembly runtime (the process runtime's tests add theirs).</summary>
    static partial void AddRuntimes(IHotplugBuilder builder);

    private void OnStateChanged(object? sender, PluginStateChange change)
    {
        _changes.Enqueue(change);
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

    private sealed class Counter : ICounterService
    {
        private int _value;

        public int Value => Volatile.Read(ref _value);

        public int Increment() => Interlocked.Increment(ref _value);
    }

    private sealed class SecretService : ISecretService
    {
        public string Secret() => "the host's secret";
    }
}

/// <summary>Holds plugin calls open until the test releases them.</summary>
internal sealed class HoldService : IHoldService
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _holds = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _entered = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new();

    public Task WaitAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.Register(() => Cancelled(key).TrySetResult());
        Entered(key).TrySetResult();
        return Hold(key).Task.WaitAsync(cancellationToken);
    }

    /// <summary>Completes when the token of a plugin call waiting on <paramref name="key"/> fires.</summary>
    public Task WhenCancelled(string key) => Cancelled(key).Task;

    /// <summary>Completes when a plugin call is waiting on <paramref name="key"/>.</summary>
    public Task WhenEntered(string key) => Entered(key).Task;

    public void Release(string key) => Hold(key).TrySetResult();

    private TaskCompletionSource Hold(string key) => _holds.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource Cancelled(string key) => _cancelled.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource Entered(string key) => _entered.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
