using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Hotplug.TestSupport;

namespace Hotplug.Scripting.Lua.Tests.Infrastructure;

/// <summary>A real host with the Lua runtime over a temporary plugins folder; waits are driven by its state changes.</summary>
public sealed class LuaHost : IAsyncDisposable
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly IHost _host;
    private readonly StateChanges _changes;

    public LuaHost()
    {
        Root = Path.Combine(Path.GetTempPath(), "hotplug-lua", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton<IGreeter>(Greeter);
        builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = Path.Combine(Root, "plugins");
                o.StatePath = Path.Combine(Root, "state");
                o.StabilityWindow = TimeSpan.FromMilliseconds(100);
                o.RescanInterval = TimeSpan.FromSeconds(1);
                o.HealthCheckInterval = TimeSpan.FromMilliseconds(200);
                o.RequireSignedPackages = false;
            })
            .ExportService<IGreeter>()
            .AddLuaRuntime();
        _host = builder.Build();
        Plugins = _host.Services.GetRequiredService<IPluginHost>();
        _changes = new StateChanges(Plugins, Guard);
    }

    public string Root { get; }

    public IPluginHost Plugins { get; }

    public Greeter Greeter { get; } = new();

    public LogSink Logs { get; } = new();

    public static async Task<LuaHost> StartAsync()
    {
        var host = new LuaHost();
        await host._host.StartAsync();
        return host;
    }

    public string Folder(string id) => Path.Combine(Root, "plugins", id);

    public Task<PluginStateChange> WaitForAsync(string id, PluginVersionState state) =>
        WaitForAsync(c => c.PluginId == id && c.VersionState == state);

    public Task<PluginStateChange> WaitForAsync(Func<PluginStateChange, bool> match) =>
        _changes.WaitForAsync(match);

    /// <summary>Lays out a Lua plugin (script first, manifest last) without waiting.</summary>
    public void Write(string id, string script, JsonObject? entry = null, JsonObject? config = null)
    {
        Directory.CreateDirectory(Folder(id));
        File.WriteAllText(Path.Combine(Folder(id), "probe.lua"), script);
        entry ??= [];
        entry["script"] = "probe.lua";
        var manifest = new JsonObject
        {
            ["id"] = id,
            ["version"] = "1.0.0",
            ["runtime"] = "lua",
            ["entry"] = entry,
            ["contracts"] = new JsonArray("test.lua/v1"),
            ["config"] = config ?? [],
        };
        File.WriteAllText(Path.Combine(Folder(id), "plugin.json"), manifest.ToJsonString());
    }

    /// <summary>Lays out a Lua plugin and waits until it is healthy.</summary>
    public async Task<IProbe> InstallAsync(string id, string script, JsonObject? entry = null, JsonObject? config = null)
    {
        var settled = WaitForAsync(c => c.PluginId == id && c.VersionState is PluginVersionState.Healthy or PluginVersionState.Degraded or PluginVersionState.Failed or PluginVersionState.Rejected);
        Write(id, script, entry, config);
        var change = await settled;
        if (change.VersionState is PluginVersionState.Failed or PluginVersionState.Rejected)
        {
            throw new InvalidOperationException($"'{id}' did not start: {change.Reason}");
        }

        return Plugins.Get<IProbe>(id);
    }

    public async ValueTask DisposeAsync() =>
        await StateChanges.StopAsync(_host, Guard, Root);

}

/// <summary>Keeps what plugins log, and signals lines as they arrive.</summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly List<(LogLevel Level, string Text)> _lines = [];
    private readonly List<(string Text, TaskCompletionSource Done)> _waiters = [];
    private readonly Lock _sync = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public Task WhenLogged(string text)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            if (_lines.Any(l => l.Text.Contains(text, StringComparison.Ordinal)))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((text, done));
        }

        return done.Task.WaitAsync(LuaHost.Guard);
    }

    public IReadOnlyList<(LogLevel Level, string Text)> Lines
    {
        get
        {
            lock (_sync)
            {
                return [.. _lines];
            }
        }
    }

    public void Dispose()
    {
    }

    private void Add(LogLevel level, string text)
    {
        lock (_sync)
        {
            _lines.Add((level, text));
            foreach (var waiter in _waiters.Where(w => text.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Logger(LogSink sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Add(logLevel, formatter(state, exception));
    }
}
