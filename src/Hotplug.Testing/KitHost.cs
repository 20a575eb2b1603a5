using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotplug.TestContracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hotplug.Testing;

/// <summary>
/// A real host over a temporary plugins folder, with the runtime under test registered. Waits are driven by the
/// host's state changes, bounded only to turn a hang into a failure.
/// </summary>
internal sealed class KitHost : IAsyncDisposable
{
    internal static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private readonly IHost _host;
    private readonly List<(Func<PluginStateChange, bool> Match, TaskCompletionSource<PluginStateChange> Done)> _waiters = [];
    private readonly Lock _sync = new();
    private bool _stopped;

    private KitHost(string root, Action<IHotplugBuilder> runtime, Action<HotplugOptions>? configure)
    {
        Root = root;
        PluginsPath = Path.Combine(root, "plugins");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<ICounterService>(Counter);
        builder.Services.AddSingleton<ISecretService, SecretService>();
        builder.Services.AddSingleton<IHoldService>(Holds);
        var hotplug = builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = PluginsPath;
                o.StatePath = Path.Combine(root, "state");
                o.StabilityWindow = TimeSpan.FromMilliseconds(150);
                o.RescanInterval = TimeSpan.FromSeconds(1);
                o.DefaultDrainTimeout = TimeSpan.FromSeconds(30);
                o.UnloadTimeout = TimeSpan.FromSeconds(10);
                o.RequireSignedPackages = false;
                configure?.Invoke(o);
            })
            .ExportService<ICounterService>()
            .ExportService<IHoldService>();
        runtime(hotplug);
        _host = builder.Build();
        Plugins = _host.Services.GetRequiredService<IPluginHost>();
        Invoker = _host.Services.GetRequiredService<IPluginInvoker>();
        Plugins.StateChanged += OnStateChanged;
    }

    public string Root { get; }

    public string PluginsPath { get; }

    public IPluginHost Plugins { get; }

    public IPluginInvoker Invoker { get; }

    public HoldService Holds { get; } = new();

    public CounterService Counter { get; } = new();

    public static async Task<KitHost> StartAsync(Action<IHotplugBuilder> runtime, Action<HotplugOptions>? configure)
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-kit", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var host = new KitHost(root, runtime, configure);
        try
        {
            await host._host.StartAsync();
        }
        catch
        {
            host._stopped = true;
            host._host.Dispose();
            throw;
        }

        return host;
    }

    public string Folder(string name) => Path.Combine(PluginsPath, name);

    /// <summary>Waits for a version of <paramref name="id"/> to change to <paramref name="state"/> (<paramref name="version"/> when given).</summary>
    public Task<PluginStateChange> WaitForAsync(string id, PluginVersionState state, string? version = null) =>
        WaitForAsync(c => c.PluginId == id && c.VersionState == state && (version is null || c.Version == version));

    public Task<PluginStateChange> WaitForAsync(Func<PluginStateChange, bool> match)
    {
        var done = new TaskCompletionSource<PluginStateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            _waiters.Add((match, done));
        }

        return done.Task.WaitAsync(HangGuard);
    }

    public static void WriteManifest(string folder, JsonNode manifest) =>
        File.WriteAllText(Path.Combine(folder, "plugin.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            using (var cts = new CancellationTokenSource(HangGuard))
            {
                await _host.StopAsync(cts.Token);
            }

            _host.Dispose();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
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

    private sealed class SecretService : ISecretService
    {
        public string Secret() => "the host's secret";
    }
}

/// <summary>The exported counter: plugins that reach the host's services increment the host's one instance.</summary>
internal sealed class CounterService : ICounterService
{
    private int _value;

    public int Increment() => Interlocked.Increment(ref _value);
}

/// <summary>Holds plugin calls open until the test releases them, and says when a call is waiting: the kit's "call entered" signal.</summary>
internal sealed class HoldService : IHoldService
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _holds = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _entered = new();

    public Task WaitAsync(string key, CancellationToken cancellationToken)
    {
        Entered(key).TrySetResult();
        return Hold(key).Task.WaitAsync(cancellationToken);
    }

    /// <summary>Completes when a plugin call is waiting on <paramref name="key"/>.</summary>
    public Task WhenEntered(string key) => Entered(key).Task.WaitAsync(KitHost.HangGuard);

    public void Release(string key) => Hold(key).TrySetResult();

    private TaskCompletionSource Hold(string key) => _holds.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource Entered(string key) => _entered.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
