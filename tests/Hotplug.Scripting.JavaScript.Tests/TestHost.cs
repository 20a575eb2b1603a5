using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Hotplug.TestSupport;

namespace Hotplug.Scripting.JavaScript.Tests;

/// <summary>
/// A real host with the javascript runtime over a temporary plugins folder, exporting <see cref="IProbeService"/>.
/// Waits follow the host's state changes, bounded only to turn a hang into a failure.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly IHost _host;
    private readonly StateChanges _changes;

    private TestHost(Action<HotplugOptions>? configure)
    {
        Root = Path.Combine(Path.GetTempPath(), "hotplug-js", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton<IProbeService>(Service);
        builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = Path.Combine(Root, "plugins");
                o.StatePath = Path.Combine(Root, "state");
                o.StabilityWindow = TimeSpan.FromMilliseconds(100);
                o.RescanInterval = TimeSpan.FromSeconds(1);
                o.RequireSignedPackages = false;
                configure?.Invoke(o);
            })
            .ExportService<IProbeService>()
            .AddJavaScriptRuntime();
        _host = builder.Build();
        Plugins = _host.Services.GetRequiredService<IPluginHost>();
        _changes = new StateChanges(Plugins, Guard);
    }

    public string Root { get; }

    public IPluginHost Plugins { get; }

    public ProbeService Service { get; } = new();

    public LogCapture Logs { get; } = new();

    public static async Task<TestHost> StartAsync(Action<HotplugOptions>? configure = null)
    {
        var host = new TestHost(configure);
        await host._host.StartAsync();
        return host;
    }

    public string Folder(string id) => Path.Combine(Root, "plugins", id);

    /// <summary>Lays out a script plugin of <see cref="IProbe"/> and waits for it to be healthy.</summary>
    public async Task<IProbe> InstallAsync(string id, string script, JsonObject? entry = null, JsonObject? config = null)
    {
        var healthy = WaitForAsync(id, PluginVersionState.Healthy);
        Install(id, script, entry, config);
        await healthy;
        return Plugins.Get<IProbe>(id);
    }

    /// <summary>Lays out a script plugin: the script first, the manifest last.</summary>
    public void Install(string id, string script, JsonObject? entry = null, JsonObject? config = null)
    {
        Directory.CreateDirectory(Folder(id));
        File.WriteAllText(Path.Combine(Folder(id), "probe.js"), script);
        entry ??= [];
        entry["script"] = "probe.js";
        var manifest = new JsonObject
        {
            ["id"] = id,
            ["version"] = "1.0.0",
            ["runtime"] = "javascript",
            ["entry"] = entry,
            ["contracts"] = new JsonArray("test.javascript/v1"),
            ["config"] = config ?? [],
        };
        File.WriteAllText(Path.Combine(Folder(id), "plugin.json"), manifest.ToJsonString());
    }

    public Task<PluginStateChange> WaitForAsync(string id, PluginVersionState state) =>
        WaitForAsync(c => c.PluginId == id && c.VersionState == state);

    public Task<PluginStateChange> WaitForAsync(Func<PluginStateChange, bool> match) =>
        _changes.WaitForAsync(match);

    public PluginPoolStatus Pool(string id) => Plugins.GetPlugin(id)?.Pool ?? throw new InvalidOperationException($"{id} has no pool");

    public async ValueTask DisposeAsync() =>
        await StateChanges.StopAsync(_host, Guard, Root);

}

/// <summary>Keeps what plugins log, so a test can read what a script wrote.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Category, string Text)> _entries = new();

    public IReadOnlyCollection<(LogLevel Level, string Category, string Text)> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._entries.Enqueue((logLevel, category, formatter(state, exception)));
    }
}
