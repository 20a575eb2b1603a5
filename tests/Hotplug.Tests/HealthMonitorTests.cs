using Hotplug.Hosting;
using Hotplug.Loading;
using Hotplug.Manifest;
using Hotplug.Runtimes;
using Hotplug.Store;
using Hotplug.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hotplug.Tests;

/// <summary>
/// The host's periodic health checks of a real assembly plugin, on a <see cref="TestClock"/>: the monitor alone, so
/// only its interval and timeout are on the clock, and nothing else of a host waits for it.
/// </summary>
/// <remarks>
/// Names no type of <c>Hotplug.Abstractions</c> (not even <c>PluginHealth</c> through a call's result): a test assembly
/// that references it is taken for one of the host's contract assemblies, and what it references would be shared with
/// plugins (Newtonsoft.Json, which <see cref="LoadAndCallTests"/> needs private to each).
/// </remarks>
public sealed class HealthMonitorTests : IAsyncDisposable
{
    private static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(1);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "hotplug-tests", "health-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly TestClock _clock = new();
    private readonly HotplugOptions _options = new() { HealthCheckInterval = TimeSpan.FromSeconds(10), HealthCheckTimeout = TimeSpan.FromSeconds(3) };
    private PluginInstance? _instance;

    [Fact]
    public async Task Monitor_ClockHeld_NoCheck_EachIntervalChecksOnce()
    {
        var (host, registry, entry) = await ServeAsync(mode: null);
        using var stopping = new CancellationTokenSource();
        var run = new HealthMonitor(host, registry).RunAsync(stopping.Token);
        var interval = await _clock.NextAsync(t => t.Period == _options.HealthCheckInterval);

        for (var round = 1; round <= 3; round++)
        {
            _clock.Advance(_options.HealthCheckInterval - Moment);
            Assert.Equal(round - 1, interval.Fired);
            Assert.Equal(round - 1, _clock.Timers.Count(t => t.Due == _options.HealthCheckTimeout));

            _clock.Advance(Moment);
            Assert.Equal(round, interval.Fired);
            var check = await _clock.NextAsync(_options.HealthCheckTimeout);
            await check.WhenDisposed;
            Assert.Equal(0, check.Fired);
        }

        await stopping.CancelAsync();
        await run.WaitAsync(TestClock.HangGuard);
        Assert.Equal(PluginState.Healthy, entry.State);
    }

    [Fact]
    public async Task Monitor_CheckHangs_ReportedDegradedOnlyOnceTheClockPassesItsTimeout()
    {
        var (host, registry, entry) = await ServeAsync(mode: "health-hangs-after-start");
        var degraded = new TaskCompletionSource<PluginStateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        registry.StateChanged += (_, change) =>
        {
            if (change.VersionState == PluginVersionState.Degraded)
            {
                degraded.TrySetResult(change);
            }
        };
        using var stopping = new CancellationTokenSource();
        var run = new HealthMonitor(host, registry).RunAsync(stopping.Token);
        await _clock.NextAsync(t => t.Period == _options.HealthCheckInterval);

        // The plugin answers its first check (as a host's at start); every later one hangs.
        _clock.Advance(_options.HealthCheckInterval);
        await (await _clock.NextAsync(_options.HealthCheckTimeout)).WhenDisposed;
        _clock.Advance(_options.HealthCheckInterval);
        var check = await _clock.NextAsync(_options.HealthCheckTimeout);
        _clock.Advance(_options.HealthCheckTimeout - Moment);
        Assert.Equal(0, check.Fired);
        Assert.False(degraded.Task.IsCompleted);
        Assert.Equal(PluginState.Healthy, entry.State);

        _clock.Advance(Moment);
        var change = await degraded.Task.WaitAsync(TestClock.HangGuard);

        Assert.Equal(1, check.Fired);
        Assert.Equal("unhealthy: its health check did not answer within 3 s", change.Reason);
        Assert.Equal(PluginState.Degraded, entry.State);
        await stopping.CancelAsync();
        await run.WaitAsync(TestClock.HangGuard);
    }

    public async ValueTask DisposeAsync()
    {
        if (_instance is not null)
        {
            await _instance.StopAsync(TimeSpan.FromSeconds(10));
        }

        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Loads and starts the echo plugin with the assembly runtime, and makes it the plugin's active version.</summary>
    private async Task<(HostContext Host, PluginRegistry Registry, PluginEntry Entry)> ServeAsync(string? mode)
    {
        TestPlugins.Install(_folder, TestPlugins.Manifest("echo", "1.0.0", config: mode is null ? null : new System.Text.Json.Nodes.JsonObject { ["mode"] = mode }));
        var manifest = ManifestReader.Read(Path.Combine(_folder, "plugin.json"));
        var exports = new ServiceExports(new EmptyServices(), Options.Create(new ServiceExportOptions()));
        var host = new HostContext(_options, exports, _clock, NullLoggerFactory.Instance);
        var registry = new PluginRegistry(host);
        var instance = _instance = PluginInstance.Create(new AssemblyRuntime(new SharedAssemblyPolicy([])), manifest, new StagedPackage(_folder, "test"), NullLogger.Instance, exports, TimeSpan.FromSeconds(5), _clock);
        await instance.StartAsync(CancellationToken.None);
        instance.Lifecycle.MoveTo(PluginVersionState.Healthy);
        var entry = registry.GetOrAdd("echo");
        entry.Active = instance;
        entry.State = PluginState.Healthy;
        return (host, registry, entry);
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
