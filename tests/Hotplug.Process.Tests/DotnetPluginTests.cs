using System.Diagnostics;
using Grpc.Health.V1;

namespace Hotplug.Process.Tests;

/// <summary>A .NET plugin served with Hotplug.Process.Plugin, run by a real go-plugin Go host and by Hotplug's host side.</summary>
public sealed class DotnetPluginTests
{
    [Fact]
    public async Task GoHost_DotnetPlugin_HandshakeWithAutoMtlsPingDispenseAndShutdown()
    {
        var (exitCode, output) = await RunGoHostAsync(GoPlugins.PingHost);

        Assert.True(exitCode == 0, output);
        Assert.Contains("ping ok, protocol 1", output);
        Assert.Contains("configuring client automatic mTLS", output);
        Assert.Contains("plugin exited", output);
    }

    [Fact]
    public async Task GoHost_DotnetPluginServingAContract_GoClientFromTheExportedProtoRanks()
    {
        // The plugin serves IRanker with AddPluginContract (no .proto); the Go host's client is generated from the
        // .proto `hotplug proto` wrote for it (tests/GoPlugins/ranker/proto/ranker.proto).
        var (exitCode, output) = await RunGoHostAsync(GoPlugins.RankHost);

        Assert.True(exitCode == 0, output);
        Assert.Contains("ranked [b c a] by dotnet-by-score", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HotplugHost_DotnetPlugin_ServesHealthOnTheFastLaneOrOverMutualTlsAndStopsGracefully(bool fastLane)
    {
        var plugin = await PluginProcess.StartAsync("dotnet", GoPlugins.DotnetPlugin, [], GoPlugins.Options(o => o.FastLane = fastLane), new ListLogger(), CancellationToken.None);

        var health = await plugin.CheckHealthAsync(CancellationToken.None);
        var graceful = await plugin.StopAsync();
        await plugin.DisposeAsync();

        // Its proto-first services (mapped with MapGrpcService) go on the fast lane too; without it, gRPC with AutoMTLS.
        Assert.Equal(fastLane, plugin.IsFastLane);
        Assert.Equal(!fastLane, plugin.IsMutualTls);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health);
        Assert.True(graceful);
    }

    [Fact]
    public async Task HotplugHost_DotnetPluginWritesToItsConsole_ArrivesThroughGrpcStdioInThePluginsLog()
    {
        var logger = new ListLogger();
        await using var plugin = await PluginProcess.StartAsync("dotnet", GoPlugins.DotnetPlugin, [], GoPlugins.Options(), logger, CancellationToken.None);
        var waiter = new Hotplug.TestPlugins.DotnetProcess.Waiter.WaiterClient(plugin.CallInvoker);

        // The call writes to Console.Out and Console.Error, then waits until it is cancelled.
        using var cancel = new CancellationTokenSource();
        var call = waiter.WaitAsync(new Hotplug.TestPlugins.DotnetProcess.WaitRequest { Key = "k9" }, cancellationToken: cancel.Token);
        await logger.WhenLogged("console error k9").WaitAsync(TimeSpan.FromSeconds(60));
        await logger.WhenLogged("console k9").WaitAsync(TimeSpan.FromSeconds(60));
        await cancel.CancelAsync();
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => call.ResponseAsync);

        // Standard output came over plugin.GRPCStdio, not the pipe the handshake was read from; standard error too.
        Assert.Contains(logger.Events, e => e.Event.Name == "PluginStdout" && e.Message == "console k9");
        Assert.DoesNotContain(logger.Events, e => e.Event.Name == "PluginStdoutPipe");
        Assert.Contains(logger.Entries, e => e.Message == "console error k9");
        Assert.DoesNotContain(logger.Entries, e => e.Message.Contains("plugin.GRPCStdio", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(PluginTransport.Tcp, "tcp")]
    [InlineData(PluginTransport.Stdio, "stdio")]
    public async Task HotplugHost_DotnetPluginOnAnotherTransport_ServesOverMutualTlsCancelsAndStopsGracefully(PluginTransport transport, string network)
    {
        var logger = new ListLogger();
        var plugin = await PluginProcess.StartAsync("dotnet", GoPlugins.DotnetPlugin, [], GoPlugins.Options(o => o.Transport = transport), logger, CancellationToken.None);
        var waiter = new Hotplug.TestPlugins.DotnetProcess.Waiter.WaiterClient(plugin.CallInvoker);

        var health = await plugin.CheckHealthAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var call = waiter.WaitAsync(new Hotplug.TestPlugins.DotnetProcess.WaitRequest { Key = "t1" }, cancellationToken: cancel.Token);
        await logger.WhenLogged("wait t1 started").WaitAsync(TimeSpan.FromSeconds(60));
        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => call.ResponseAsync);
        await logger.WhenLogged("wait t1 cancelled").WaitAsync(TimeSpan.FromSeconds(60));
        await logger.WhenLogged("console t1").WaitAsync(TimeSpan.FromSeconds(60));

        var graceful = await plugin.StopAsync();
        await plugin.DisposeAsync();

        Assert.Equal(network, plugin.Handshake.Network);
        Assert.True(plugin.IsMutualTls);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health);
        Assert.Equal(Grpc.Core.StatusCode.Cancelled, error.StatusCode);
        // The cancellation reached the handler in the plugin, and its console still reached the host's log.
        Assert.Contains(logger.Entries, e => e.Message == "wait t1 cancelled");
        Assert.Contains(logger.Events, e => e.Event.Name == "PluginStdout" && e.Message == "console t1");
        Assert.True(graceful);
    }

    [Fact]
    public async Task HotplugHost_GoPluginAskedForStdio_FailsSayingItDoesNotSpeakIt()
    {
        var error = await Assert.ThrowsAsync<PluginStartException>(() => PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], GoPlugins.Options(o => o.Transport = PluginTransport.Stdio), new ListLogger(), CancellationToken.None));

        Assert.Contains("'minimal'", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not speak Hotplug's stdio transport", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DotnetPlugin_RunByHand_RefusesWithGoPluginsMessage()
    {
        var info = new ProcessStartInfo(GoPlugins.DotnetPlugin) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var plugin = System.Diagnostics.Process.Start(info)!;
        var error = plugin.StandardError.ReadToEndAsync();
        await plugin.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, plugin.ExitCode);
        Assert.Contains("This binary is a plugin", await error);
    }

    [Fact]
    public async Task DotnetPlugin_HostKilled_PluginExitsToo()
    {
        // A shell stands in for the host: it starts the plugin, prints the plugin's pid, and is then killed with SIGKILL.
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("\"$0\" 2>/dev/null & echo $!; wait");
        info.ArgumentList.Add(GoPlugins.DotnetPlugin);
        info.Environment["HOTPLUG_TEST_PLUGIN"] = "d3c4f1a0";
        using var shell = System.Diagnostics.Process.Start(info)!;
        var pid = int.Parse((await shell.StandardOutput.ReadLineAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        using var plugin = System.Diagnostics.Process.GetProcessById(pid);
        // The plugin's handshake comes through the shell's output once it serves.
        var handshake = await shell.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.StartsWith("1|1|unix|", handshake);

        shell.Kill(entireProcessTree: false);
        await shell.WaitForExitAsync();

        try
        {
            await plugin.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (!plugin.HasExited)
            {
                plugin.Kill();
            }
        }

        Assert.True(plugin.HasExited);
    }

    [Theory]
    [InlineData(new[] { 1 }, "1", 1)]
    [InlineData(new[] { 1, 2, 3 }, "2,3", 3)]
    [InlineData(new[] { 2 }, "", 2)]
    [InlineData(new[] { 2 }, "1,3", null)]
    public void Negotiate_HostAndPluginVersions_HighestCommon(int[] plugin, string host, int? expected)
    {
        Assert.Equal(expected, Hotplug.Process.Plugin.GoPluginServer.Negotiate(plugin, host));
    }

    /// <summary>Runs a go-plugin Go host against the .NET plugin; returns its exit code and all it printed.</summary>
    private static async Task<(int ExitCode, string Output)> RunGoHostAsync(string goHost)
    {
        var info = new ProcessStartInfo(goHost) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(GoPlugins.DotnetPlugin);
        using var host = System.Diagnostics.Process.Start(info)!;
        var output = host.StandardOutput.ReadToEndAsync();
        var error = host.StandardError.ReadToEndAsync();
        try
        {
            await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
            }
        }

        return (host.ExitCode, await output + await error);
    }
}
