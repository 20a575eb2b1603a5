using System.Reflection;
using System.Text.Json.Nodes;
using Hotplug.TestContracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Tests;

/// <summary>
/// One <see cref="PluginBase"/> class, EchoProcessPlugin's <c>ProcessEcho</c>, run by a real host as an assembly plugin
/// (<c>entry.assembly</c>: its dll in a collectible load context) and as a process plugin (<c>entry.executable</c>: the
/// same build, served with <c>GoPluginServer.RunAsync&lt;ProcessEcho&gt;</c>): moving it between runtimes is a change
/// of its manifest, and it sees the same context, lifecycle and health either way.
/// </summary>
public sealed class SameClassBothRuntimesTests
{
    public static TheoryData<string> Runtimes => ["assembly", "process"];

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task Call_SameClass_SeesItsIdentityConfigAndTheHostsServicesAlsoWhileItStarts(string runtime)
    {
        await using var host = await ModelHost.StartAsync();
        await host.InstallAsync(runtime, new JsonObject { ["mode"] = "count-on-start", ["greeting"] = "hello" }, PluginState.Healthy);

        var reply = await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("hi"));
        var who = await host.Plugins.Get<IOther>("echo").WhoAsync();

        // The exported counter was called once by OnStartAsync, once by this call; the secret is not exported.
        Assert.Equal(new EchoReply("hi", "echo", "1.0.0", "hello", reply.Library, 2), reply);
        Assert.Equal("echo@1.0.0", who);
        Assert.Equal(2, host.Counter.Value);
        var started = Assert.Single(host.Logs.Entries, e => e.Message.StartsWith("echo 1.0.0 started in process", StringComparison.Ordinal));
        Assert.Equal(runtime == "process", !started.Message.EndsWith($" {Environment.ProcessId}", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task HealthCheck_SameClassReportsDegraded_ShownDegradedWithItsReasonAndServes(string runtime)
    {
        await using var host = await ModelHost.StartAsync(healthCheckInterval: TimeSpan.FromMilliseconds(100));
        var degraded = host.WaitForAsync(c => c.PluginId == "echo" && c.State == PluginState.Degraded);

        await host.InstallAsync(runtime, new JsonObject { ["mode"] = "degraded", ["reason"] = "cache cold — 3/5 shards" }, PluginState.Healthy);
        var change = await degraded;

        // The plugin's own words, not a transport's: UTF-8 included.
        Assert.Equal("degraded: cache cold — 3/5 shards", change.Reason);
        Assert.Equal(PluginState.Degraded, host.Plugins.GetPlugin("echo")!.State);
        Assert.Equal("still", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("still"))).Text);
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task HealthCheck_SameClassDegradedThenHealthy_ShownHealthyAgainWithoutARestart(string runtime)
    {
        await using var host = await ModelHost.StartAsync(healthCheckInterval: TimeSpan.FromMilliseconds(100));
        var degraded = host.WaitForAsync(c => c.PluginId == "echo" && c.State == PluginState.Degraded);
        await host.InstallAsync(runtime, new JsonObject { ["mode"] = "degraded", ["reason"] = "warming up" }, PluginState.Healthy);
        await degraded;
        var echo = host.Plugins.Get<IEcho>("echo");
        var before = (await echo.EchoAsync(new EchoRequest("pid"))).Text;
        var healthy = host.WaitForAsync(c => c.PluginId == "echo" && c.State == PluginState.Healthy);

        // The plugin's own check reports healthy from now on; the host's next periodic check sees it.
        Assert.Equal("recovered", (await echo.EchoAsync(new EchoRequest("recover"))).Text);
        var change = await healthy;

        Assert.Equal("healthy again", change.Reason);
        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("echo")!.State);
        // Recovered, not replaced: the same process answers (for an assembly plugin, the host's own).
        Assert.Equal(before, (await echo.EchoAsync(new EchoRequest("pid"))).Text);
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task Start_SameClassThrowsInOnStartAsync_VersionFailsWithWhatItThrew(string runtime)
    {
        await using var host = await ModelHost.StartAsync();

        var failed = await host.InstallAsync(runtime, new JsonObject { ["mode"] = "throw-on-start" }, PluginState.Failed);

        Assert.Contains("starting it threw InvalidOperationException: configured to fail on start", failed.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task Start_SameClassUnhealthyAtStart_VersionFailsWithItsReason(string runtime)
    {
        await using var host = await ModelHost.StartAsync();

        var failed = await host.InstallAsync(runtime, new JsonObject { ["mode"] = "unhealthy" }, PluginState.Failed);

        Assert.Contains("its health check reported unhealthy", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("configured to be unhealthy", failed.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task Offline_SameClass_StopAsyncRunsAfterStoppingWasCancelled(string runtime)
    {
        await using var host = await ModelHost.StartAsync();
        await host.InstallAsync(runtime, new JsonObject(), PluginState.Healthy);
        var stopped = host.Logs.WhenLogged("echo 1.0.0 stopped");

        Directory.Delete(Path.Combine(host.Root, "plugins", "echo"), recursive: true);
        await host.RescanAsync();
        await stopped.WaitAsync(ModelHost.HangGuard);

        Assert.Contains(host.Logs.Entries, e => e.Message == "echo 1.0.0 stopped; stopping was cancelled: True");
    }

    /// <summary>A real host that exports a counter, running ProcessEcho under the runtime a test names.</summary>
    private sealed class ModelHost : IAsyncDisposable
    {
        public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

        private static readonly string Build = typeof(ModelHost).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "EchoPluginPath").Value!;

        private readonly IHost _host;

        private ModelHost(string root, TimeSpan? healthCheckInterval)
        {
            Root = root;
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.AddProvider(new Provider(Logs));
            builder.Services.AddSingleton<ICounterService>(Counter);
            builder.Services.AddSingleton<ISecretService, SecretService>();
            builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = Path.Combine(root, "plugins");
                o.StatePath = Path.Combine(root, "state");
                o.StabilityWindow = TimeSpan.Zero;
                o.RequireSignedPackages = false;
                if (healthCheckInterval is { } interval)
                {
                    o.HealthCheckInterval = interval;
                }
            }).ExportService<ICounterService>().AddProcessRuntime();
            _host = builder.Build();
            Plugins = _host.Services.GetRequiredService<IPluginHost>();
        }

        public string Root { get; }

        public IPluginHost Plugins { get; }


        public Task RescanAsync() => _host.Services.GetRequiredService<IPluginAdmin>().RescanAsync();

        public Counter Counter { get; } = new();

        public ListLogger Logs { get; } = new();

        public static async Task<ModelHost> StartAsync(TimeSpan? healthCheckInterval = null)
        {
            var host = new ModelHost(Path.Combine(Path.GetTempPath(), "hotplug-same-class", Guid.NewGuid().ToString("N")[..10]), healthCheckInterval);
            await host._host.StartAsync();
            return host;
        }

        /// <summary>Installs the build as <c>echo</c> 1.0.0 under <paramref name="runtime"/>, and waits for it to reach <paramref name="state"/>.</summary>
        public async Task<PluginStateChange> InstallAsync(string runtime, JsonObject config, PluginState state)
        {
            var folder = Path.Combine(Root, "plugins", "echo");
            foreach (var file in Directory.GetFiles(Build, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(folder, Path.GetRelativePath(Build, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
            }

            // The one difference between the two: the manifest's runtime and entry.
            var entry = runtime == "assembly"
                ? new JsonObject { ["assembly"] = "EchoProcessPlugin.dll", ["type"] = "Hotplug.TestPlugins.EchoProcess.ProcessEcho" }
                : new JsonObject
                {
                    ["executable"] = "EchoProcessPlugin",
                    ["handshake"] = new JsonObject { ["magicCookieKey"] = "HOTPLUG_TEST_PLUGIN", ["magicCookieValue"] = "d3c4f1a0" },
                };
            var reached = WaitForAsync(c => c.PluginId == "echo" && c.State == state);
            File.WriteAllText(Path.Combine(folder, "plugin.json"), new JsonObject
            {
                ["id"] = "echo",
                ["version"] = "1.0.0",
                ["runtime"] = runtime,
                ["entry"] = entry,
                ["contracts"] = new JsonArray("test.echo/v1", "test.other/v1"),
                ["config"] = config,
            }.ToJsonString());
            await RescanAsync();
            return await reached;
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

        public async ValueTask DisposeAsync()
        {
            using (var cts = new CancellationTokenSource(HangGuard))
            {
                await _host.StopAsync(cts.Token);
            }

            _host.Dispose();
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private sealed class Provider(ListLogger logger) : ILoggerProvider
        {
            public ILogger CreateLogger(string categoryName) => logger;

            public void Dispose()
            {
            }
        }

        private sealed class SecretService : ISecretService
        {
            public string Secret() => "registered, never exported";
        }
    }

    /// <summary>The host's counter, exported to plugins.</summary>
    private sealed class Counter : ICounterService
    {
        private int _value;

        public int Value => Volatile.Read(ref _value);

        public int Increment() => Interlocked.Increment(ref _value);
    }
}
