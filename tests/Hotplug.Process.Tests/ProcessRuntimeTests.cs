using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hotplug.Process.Tests;

/// <summary>Go plugins in a real Hotplug host, through the <c>process</c> runtime.</summary>
public sealed class ProcessRuntimeTests : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hotplug-process-host", Guid.NewGuid().ToString("N")[..10]);
    private readonly List<PluginStateChange> _changes = [];
    private IHost _host = null!;
    private IPluginHost _plugins = null!;

    private string Plugins => Path.Combine(_root, "plugins");

    private string Store => Path.Combine(_root, "state", "store");

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = Plugins;
                o.StatePath = Path.Combine(_root, "state");
                o.StabilityWindow = TimeSpan.FromMilliseconds(100);
                o.RequireSignedPackages = false;
            })
            .AddProcessRuntime(o => o.Supervision.InitialBackoff = TimeSpan.FromMilliseconds(20));
        _host = builder.Build();
        _plugins = _host.Services.GetRequiredService<IPluginHost>();
        _plugins.StateChanged += (_, change) =>
        {
            lock (_changes)
            {
                _changes.Add(change);
            }
        };
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Load_GoPlugin_RunsFromTheStoreCopyAndIsHealthy()
    {
        var healthy = WaitFor("minimal", PluginVersionState.Healthy, "1.0.0");
        Install("1.0.0");
        await healthy;

        var status = _plugins.GetPlugin("minimal")!;
        Assert.Equal("process", status.Runtime);
        Assert.Equal(PluginState.Healthy, status.State);
        var process = Assert.Single(ProcessesRunningFrom(Store));
        Assert.StartsWith(status.StorePath!, process.Executable);
    }

    [Fact]
    public async Task Get_GoPluginImplementingAContractFromItsExportedProto_ServesTheRouter()
    {
        var healthy = WaitFor("ranker", PluginVersionState.Healthy, "1.0.0");
        Install("1.0.0", plugin: "ranker", contracts: ["ranking/v1"]);
        await healthy;

        var ranker = _plugins.Get<Ranking.Contracts.IRanker>("ranker");
        var response = await ranker.RankAsync(new Ranking.Contracts.RankRequest("u1", [new("low", 0.1), new("high", 9), new("mid", 5)]));

        Assert.Equal(["high", "mid", "low"], response.Ids);
        Assert.Equal("ranker@1.0.0 (go)", response.Strategy);
    }

    [Fact]
    public async Task Get_ContractTheManifestDoesNotList_IsNotProvided()
    {
        var healthy = WaitFor("ranker", PluginVersionState.Healthy, "1.0.0");
        Install("1.0.0", plugin: "ranker");
        await healthy;

        var error = await Assert.ThrowsAsync<PluginUnavailableException>(() => _plugins.Get<Ranking.Contracts.IRanker>("ranker").RankAsync(new("u", [])).AsTask());

        Assert.Equal("ranker", error.PluginId);
    }

    [Fact]
    public async Task Upgrade_GoPlugin_NewProcessStartsAndTheOldOneStops()
    {
        var healthy = WaitFor("minimal", PluginVersionState.Healthy, "1.0.0");
        Install("1.0.0");
        await healthy;
        var old = Assert.Single(ProcessesRunningFrom(Store));

        var unloaded = WaitFor("minimal", PluginVersionState.Unloaded, "1.0.0");
        Install("1.1.0");
        await unloaded;

        var current = Assert.Single(ProcessesRunningFrom(Store));
        Assert.NotEqual(old.Pid, current.Pid);
        Assert.StartsWith(_plugins.GetPlugin("minimal")!.StorePath!, current.Executable);
        Assert.Equal("1.1.0", _plugins.GetPlugin("minimal")!.Version);
    }

    [Fact]
    public async Task Offline_FolderDeleted_ProcessStops()
    {
        var healthy = WaitFor("minimal", PluginVersionState.Healthy, "1.0.0");
        Install("1.0.0");
        await healthy;

        var unloaded = WaitFor("minimal", PluginVersionState.Unloaded, "1.0.0");
        Directory.Delete(Path.Combine(Plugins, "minimal"), recursive: true);
        await unloaded;

        Assert.Empty(ProcessesRunningFrom(Store));
        Assert.Equal(PluginState.Offline, _plugins.GetPlugin("minimal")!.State);
    }

    [Fact]
    public async Task Load_WrongCookie_FailsWithThePluginsOwnWords()
    {
        var failed = WaitFor("minimal", PluginVersionState.Failed, "1.0.0");
        Install("1.0.0", cookie: "wrong");
        var change = await failed;

        Assert.Contains("This binary is a plugin", change.Reason);
        Assert.Empty(ProcessesRunningFrom(Store));
    }

    [Fact]
    public async Task Load_EntryWithoutExecutable_RejectedNamingTheField()
    {
        var rejected = WaitFor("minimal", PluginVersionState.Rejected, null);
        Directory.CreateDirectory(Path.Combine(Plugins, "minimal"));
        await File.WriteAllTextAsync(Path.Combine(Plugins, "minimal", "plugin.json"), """{ "id": "minimal", "version": "1.0.0", "runtime": "process", "entry": { } }""");
        var change = await rejected;

        Assert.Contains("field 'entry.executable'", change.Reason);
    }

    [Fact]
    public async Task GetCallInvoker_GeneratedClient_ReachesTheActiveVersionAcrossAnUpgrade()
    {
        var health = new Grpc.Health.V1.Health.HealthClient(_plugins.GetCallInvoker("minimal"));
        await Assert.ThrowsAsync<PluginUnavailableException>(() => health.CheckAsync(new() { Service = "plugin" }).ResponseAsync);

        var healthy = WaitFor("minimal", PluginVersionState.Healthy, "1.0.0");
        Install("1.0.0");
        await healthy;
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new() { Service = "plugin" })).Status);

        var unloaded = WaitFor("minimal", PluginVersionState.Unloaded, "1.0.0");
        Install("1.1.0");
        await unloaded;

        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new() { Service = "plugin" })).Status);
        Assert.Equal(0, _plugins.GetPlugin("minimal")!.InFlight);
    }

    [Fact]
    public async Task GetCallInvoker_StreamOpen_CountedInFlightUntilDisposed()
    {
        var healthy = WaitFor("minimal", PluginVersionState.Healthy, "1.0.0");
        Install("1.0.0");
        await healthy;
        var health = new Grpc.Health.V1.Health.HealthClient(_plugins.GetCallInvoker("minimal"));

        var watch = health.Watch(new() { Service = "plugin" });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(1, _plugins.GetPlugin("minimal")!.InFlight);
        watch.Dispose();

        Assert.Equal(0, _plugins.GetPlugin("minimal")!.InFlight);
    }

    [Fact]
    public async Task Crash_ProcessKilledMidCall_CallFailsFastAsCrashedAndThePluginServesAgain()
    {
        var healthy = WaitFor("minimal", PluginVersionState.Healthy, "1.0.0");
        Install("1.0.0");
        await healthy;
        var health = new Grpc.Health.V1.Health.HealthClient(_plugins.GetCallInvoker("minimal"));
        using var watch = health.Watch(new() { Service = "plugin" });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        var (pid, _) = Assert.Single(ProcessesRunningFrom(Store));

        System.Diagnostics.Process.GetProcessById(pid).Kill();
        var crashed = await Assert.ThrowsAsync<PluginCrashedException>(() => watch.ResponseStream.MoveNext(CancellationToken.None)).WaitAsync(HangGuard);

        Assert.Equal("minimal", crashed.PluginId);
        using var guard = new CancellationTokenSource(HangGuard);
        while (true)
        {
            try
            {
                if ((await health.CheckAsync(new() { Service = "plugin" }, cancellationToken: guard.Token)).Status == Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    break;
                }
            }
            catch (PluginCrashedException)
            {
                // Still restarting.
            }

            await Task.Delay(20, guard.Token);
        }

        Assert.NotEqual(pid, Assert.Single(ProcessesRunningFrom(Store)).Pid);
    }

    [Fact]
    public async Task GetCallInvoker_ServerStreamPastCallTimeout_EndsWithPluginTimeout()
    {
        var healthy = WaitFor("minimal", PluginVersionState.Healthy, "1.0.0");
        Install("1.0.0", callTimeout: "1s");
        await healthy;
        var health = new Grpc.Health.V1.Health.HealthClient(_plugins.GetCallInvoker("minimal"));

        // Watch answers once, then waits for a change that never comes: only the call timeout ends it.
        using var watch = health.Watch(new() { Service = "plugin" });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        var error = await Assert.ThrowsAsync<PluginTimeoutException>(() => watch.ResponseStream.MoveNext(CancellationToken.None)).WaitAsync(HangGuard);

        Assert.Equal("minimal", error.PluginId);
        Assert.Equal(TimeSpan.FromSeconds(1), error.Timeout);
    }

    [Fact]
    public async Task GetCallInvoker_ServerStreamCancelledThroughTheCallsToken_CancelledNotCrashed()
    {
        var healthy = WaitFor("minimal", PluginVersionState.Healthy, "1.0.0");
        Install("1.0.0");
        await healthy;
        var (pid, _) = Assert.Single(ProcessesRunningFrom(Store));
        var health = new Grpc.Health.V1.Health.HealthClient(_plugins.GetCallInvoker("minimal"));
        using var cancel = new CancellationTokenSource();

        // The call's own token cancels it; the reads are given none.
        using var watch = health.Watch(new() { Service = "plugin" }, cancellationToken: cancel.Token);
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        var next = watch.ResponseStream.MoveNext(CancellationToken.None);
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => next).WaitAsync(HangGuard);
        Assert.Equal(Grpc.Core.StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(pid, Assert.Single(ProcessesRunningFrom(Store)).Pid);
    }

    private void Install(string version, string cookie = "d3c4f1a0", string plugin = "minimal", string? callTimeout = null, params string[] contracts)
    {
        var folder = Path.Combine(Plugins, plugin);
        Directory.CreateDirectory(folder);
        File.Copy(plugin == "ranker" ? GoPlugins.Ranker : GoPlugins.Minimal, Path.Combine(folder, plugin), overwrite: true);
        var manifest = new JsonObject
        {
            ["id"] = plugin,
            ["version"] = version,
            ["runtime"] = "process",
            ["entry"] = new JsonObject
            {
                ["executable"] = plugin,
                ["handshake"] = new JsonObject { ["magicCookieKey"] = "HOTPLUG_TEST_PLUGIN", ["magicCookieValue"] = cookie, ["protocolVersion"] = 1 },
            },
            ["contracts"] = new JsonArray([.. contracts.Select(c => (JsonNode)c)]),
        };
        if (callTimeout is not null)
        {
            manifest["callTimeout"] = callTimeout;
        }

        File.WriteAllText(Path.Combine(folder, "plugin.json"), manifest.ToJsonString());
    }

    private Task<PluginStateChange> WaitFor(string id, PluginVersionState state, string? version)
    {
        var done = new TaskCompletionSource<PluginStateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        _plugins.StateChanged += (_, change) =>
        {
            if (change.PluginId == id && change.VersionState == state && (version is null || change.Version == version))
            {
                done.TrySetResult(change);
            }
        };
        return done.Task.WaitAsync(HangGuard);
    }

    /// <summary>The live processes whose executable is under <paramref name="folder"/>, from /proc.</summary>
    private static List<(int Pid, string Executable)> ProcessesRunningFrom(string folder)
    {
        var found = new List<(int, string)>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }

            try
            {
                var target = new FileInfo(Path.Combine(entry, "exe")).LinkTarget;
                if (target is not null && target.StartsWith(folder, StringComparison.Ordinal) && !File.ReadAllText(Path.Combine(entry, "stat")).Contains(") Z ", StringComparison.Ordinal))
                {
                    found.Add((pid, target));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone while listing.
            }
        }

        return found;
    }
}
