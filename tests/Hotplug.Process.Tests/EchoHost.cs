using System.Reflection;
using System.Text.Json.Nodes;
using Hotplug.TestContracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Tests;

/// <summary>
/// A real host over a temporary plugins folder running EchoProcessPlugin (the test contract served from a child
/// process), with the host's and the plugin's log collected. Waits are on state changes and log lines, bounded only
/// to turn a hang into a failure.
/// </summary>
internal sealed class EchoHost : IAsyncDisposable
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private static readonly string PluginBuild = typeof(EchoHost).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "EchoPluginPath").Value!;

    private readonly IHost _host;
    private readonly string _root;

    private EchoHost(string root, Action<SupervisionOptions>? supervision)
    {
        _root = root;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddProvider(new Provider(Logs));
        builder.Services.AddHotplug(o =>
        {
            o.PluginsPath = Path.Combine(root, "plugins");
            o.StatePath = Path.Combine(root, "state");
            o.StabilityWindow = TimeSpan.Zero;
            o.RequireSignedPackages = false;
        }).AddProcessRuntime(o =>
        {
            o.Supervision.InitialBackoff = TimeSpan.FromMilliseconds(20);
            supervision?.Invoke(o.Supervision);
        });
        _host = builder.Build();
        Plugins = _host.Services.GetRequiredService<IPluginHost>();
    }

    public IPluginHost Plugins { get; }

    /// <summary>Gets the host's services (<see cref="IPluginInvoker"/>, <see cref="IPluginAdmin"/>).</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Gets everything the host and the plugin logged (the plugin's standard error included).</summary>
    public ListLogger Logs { get; } = new();

    public IEcho Echo => Plugins.Get<IEcho>("echo");

    public static async Task<EchoHost> StartAsync(Action<SupervisionOptions>? supervision = null)
    {
        var host = new EchoHost(Path.Combine(Path.GetTempPath(), "hotplug-echo-host", Guid.NewGuid().ToString("N")[..10]), supervision);
        await host._host.StartAsync();
        return host;
    }

    /// <summary>Installs EchoProcessPlugin as <c>echo</c> 1.0.0 and waits until it is healthy.</summary>
    public async Task InstallAsync(string? callTimeout = null, JsonObject? config = null, int pool = 1)
    {
        var folder = Path.Combine(_root, "plugins", "echo");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(PluginBuild, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder, Path.GetRelativePath(PluginBuild, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }

        var manifest = new JsonObject
        {
            ["id"] = "echo",
            ["version"] = "1.0.0",
            ["runtime"] = "process",
            ["entry"] = new JsonObject
            {
                ["executable"] = "EchoProcessPlugin",
                ["handshake"] = new JsonObject { ["magicCookieKey"] = "HOTPLUG_TEST_PLUGIN", ["magicCookieValue"] = "d3c4f1a0", ["protocolVersion"] = 1 },
                ["pool"] = new JsonObject { ["min"] = pool, ["max"] = pool },
            },
            ["contracts"] = new JsonArray("test.echo/v1", "test.other/v1"),
            ["config"] = config ?? new JsonObject(),
        };
        if (callTimeout is not null)
        {
            manifest["callTimeout"] = callTimeout;
        }

        var healthy = WaitForAsync(c => c.PluginId == "echo" && c.VersionState == PluginVersionState.Healthy);
        File.WriteAllText(Path.Combine(folder, "plugin.json"), manifest.ToJsonString());
        await _host.Services.GetRequiredService<IPluginAdmin>().RescanAsync();
        await healthy;
    }

    public Task<PluginStateChange> WaitForAsync(Func<PluginStateChange, bool> match)
    {
        var done = new TaskCompletionSource<PluginStateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        Plugins.StateChanged += (_, change) =>
        {
            if (match(change))
            {
                done.TrySetResult(change);
            }
        };
        return done.Task.WaitAsync(HangGuard);
    }

    /// <summary>Which process answers the next call.</summary>
    public async Task<int> PidAsync() =>
        int.Parse((await Echo.EchoAsync(new EchoRequest("pid"))).Text, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Calls until a call succeeds on a process <paramref name="accept"/> takes; calls that fail meanwhile (restarting) are expected.</summary>
    public async Task<int> WaitForPidAsync(Func<int, bool> accept)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (true)
        {
            try
            {
                var pid = await PidAsync().WaitAsync(guard.Token);
                if (accept(pid))
                {
                    return pid;
                }
            }
            catch (PluginCrashedException)
            {
                // No process runs while the replacement starts: the call fails at once, as it should.
            }

            // A poll for an effect that raises no event, not a guess at how long it takes.
            await Task.Delay(10, guard.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var cts = new CancellationTokenSource(HangGuard))
        {
            await _host.StopAsync(cts.Token);
        }

        _host.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Sends a signal to a process with the <c>kill</c> command, as an operator (or a debugger) would.</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits until <paramref name="pid"/> has exited.</summary>
    public static async Task WaitForExitAsync(int pid)
    {
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return;
        }

        using (process)
        {
            await process.WaitForExitAsync().WaitAsync(HangGuard);
        }
    }

    private sealed class Provider(ListLogger logger) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }
}
