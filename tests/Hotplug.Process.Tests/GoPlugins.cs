using System.Reflection;

namespace Hotplug.Process.Tests;

/// <summary>The Go test plugins built with hashicorp go-plugin by scripts/build-go-plugins.sh (which ./test.sh runs).</summary>
internal static class GoPlugins
{
    private static readonly string Folder = typeof(GoPlugins).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "GoPluginsPath").Value!;

    public static string Minimal => Find("minimal");

    /// <summary>A Go plugin implementing ranking/v1 from the .proto <c>hotplug proto</c> exported.</summary>
    public static string Ranker => Find("ranker");

    /// <summary>The go-plugin host that pings the plugin it is given and shuts it down.</summary>
    public static string PingHost => Check(Path.Combine(Metadata("GoHostsPath"), "ping"));

    /// <summary>A go-plugin Go host that calls ranking/v1 through a client generated from the exported .proto.</summary>
    public static string RankHost => Check(Path.Combine(Metadata("GoHostsPath"), "rank"));

    /// <summary>The .NET test plugin served with Hotplug.Process.Plugin (its apphost executable).</summary>
    public static string DotnetPlugin => Check(Metadata("DotnetPluginPath"));

    /// <summary>The .NET test plugin serving the test contract (IEcho), with misbehaviours chosen by <c>HOTPLUG_CONFIG_testMode</c>.</summary>
    public static string EchoPlugin => Check(Metadata("EchoProcessPluginPath"));

    public static ProcessPluginOptions Options(Action<ProcessPluginOptions>? configure = null)
    {
        var options = new ProcessPluginOptions { MagicCookieKey = "HOTPLUG_TEST_PLUGIN", MagicCookieValue = "d3c4f1a0" };
        configure?.Invoke(options);
        return options;
    }

    private static string Metadata(string key) => typeof(GoPlugins).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string Find(string name) => Check(Path.Combine(Folder, name));

    private static string Check(string path)
    {
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"Go test plugin {path} is not built: run ./test.sh, which installs Go and go-plugin and builds it (scripts/build-go-plugins.sh).");
    }
}

/// <summary>Collects what the plugin logged through the host's logger.</summary>
internal sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
{
    private readonly List<(Microsoft.Extensions.Logging.LogLevel Level, string Message)> _entries = [];
    private readonly List<(Microsoft.Extensions.Logging.EventId Event, string Message)> _events = [];
    private readonly List<IReadOnlyList<KeyValuePair<string, object?>>> _fields = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Logged)> _waiters = [];

    /// <summary>Gets or sets how long each entry takes to log, as a slow logger's would.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Completes when an entry whose message matches is logged (or at once, if one was).</summary>
    public Task WaitForAsync(Func<string, bool> match)
    {
        lock (_entries)
        {
            if (_entries.Any(e => match(e.Message)))
            {
                return Task.CompletedTask;
            }

            var logged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, logged));
            return logged.Task;
        }
    }

    /// <summary>Completes when an entry containing <paramref name="text"/> is logged (or already was).</summary>
    public Task WhenLogged(string text) => WaitForAsync(message => message.Contains(text, StringComparison.Ordinal));

    public IReadOnlyList<(Microsoft.Extensions.Logging.LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (Delay > TimeSpan.Zero)
        {
            Thread.Sleep(Delay);
        }

        lock (_entries)
        {
            _entries.Add((logLevel, formatter(state, exception)));
            _events.Add((eventId, formatter(state, exception)));
            _fields.Add(state as IReadOnlyList<KeyValuePair<string, object?>> ?? []);
            var message = formatter(state, exception);
            foreach (var waiter in _waiters.Where(w => w.Match(message)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Logged.TrySetResult();
            }
        }
    }

    /// <summary>Gets each entry's structured properties, as a structured logger sees them.</summary>
    public IReadOnlyList<IReadOnlyList<KeyValuePair<string, object?>>> Fields
    {
        get
        {
            lock (_entries)
            {
                return [.. _fields];
            }
        }
    }

    /// <summary>Gets the entries with the event each was logged under.</summary>
    public IReadOnlyList<(Microsoft.Extensions.Logging.EventId Event, string Message)> Events
    {
        get
        {
            lock (_entries)
            {
                return [.. _events];
            }
        }
    }
}
