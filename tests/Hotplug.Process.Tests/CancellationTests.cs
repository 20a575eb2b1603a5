using System.Text.Json.Nodes;
using Grpc.Core;
using Hotplug.TestPlugins.DotnetProcess;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Tests;

/// <summary>The caller's cancellation and the plugin's call timeout reach the handler in the plugin process.</summary>
public sealed class CancellationTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Call_CallerCancels_TheHandlerInThePluginIsCancelled()
    {
        var logger = new ListLogger();
        await using var plugin = await PluginProcess.StartAsync("dotnet", GoPlugins.DotnetPlugin, [], GoPlugins.Options(), logger, CancellationToken.None);
        var waiter = new Waiter.WaiterClient(plugin.CallInvoker);
        using var cts = new CancellationTokenSource();

        var call = waiter.WaitAsync(new WaitRequest { Key = "k1" }, cancellationToken: cts.Token).ResponseAsync;
        await WaitForLogAsync(logger, "wait k1 started");
        await cts.CancelAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await WaitForLogAsync(logger, "wait k1 cancelled");
    }

    [Fact]
    public async Task Call_ManifestCallTimeout_TravelsAsTheDeadlineAndCancelsTheHandler()
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-deadline", Guid.NewGuid().ToString("N")[..10]);
        var folder = Path.Combine(root, "plugins", "waiter");
        Directory.CreateDirectory(folder);
        var source = Path.GetDirectoryName(GoPlugins.DotnetPlugin)!;
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(folder, "plugin.json"), new JsonObject
        {
            ["id"] = "waiter",
            ["version"] = "1.0.0",
            ["runtime"] = "process",
            ["callTimeout"] = "2s",
            ["entry"] = new JsonObject
            {
                ["executable"] = Path.GetFileName(GoPlugins.DotnetPlugin),
                ["handshake"] = new JsonObject { ["magicCookieKey"] = "HOTPLUG_TEST_PLUGIN", ["magicCookieValue"] = "d3c4f1a0" },
            },
        }.ToJsonString());
        var logs = new ListLogger();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddProvider(new SingleLoggerProvider(logs));
        builder.Services.AddHotplug(o =>
        {
            o.PluginsPath = Path.Combine(root, "plugins");
            o.StatePath = Path.Combine(root, "state");
            o.StabilityWindow = TimeSpan.Zero;
            o.RequireSignedPackages = false;
        }).AddProcessRuntime();
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var plugins = host.Services.GetRequiredService<IPluginHost>();
            await host.Services.GetRequiredService<IPluginAdmin>().RescanAsync();
            var waiter = new Waiter.WaiterClient(plugins.GetCallInvoker("waiter"));

            var error = await Assert.ThrowsAsync<PluginTimeoutException>(() => waiter.WaitAsync(new WaitRequest { Key = "k2" }).ResponseAsync.WaitAsync(HangGuard));

            Assert.Equal("waiter", error.PluginId);
            Assert.Equal(TimeSpan.FromSeconds(2), error.Timeout);
            await WaitForLogAsync(logs, "wait k2 cancelled");
            Assert.Equal(0, plugins.GetPlugin("waiter")!.InFlight);
        }
        finally
        {
            await host.StopAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private static Task WaitForLogAsync(ListLogger logger, string text) => logger.WhenLogged(text).WaitAsync(HangGuard);

    private sealed class SingleLoggerProvider(ListLogger logger) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }
}
