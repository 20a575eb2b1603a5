using System.Diagnostics;
using Grpc.Core;
using Grpc.Health.V1;
using Hotplug.Process.Protocol;

namespace Hotplug.Process.Tests;

/// <summary>
/// A plugin's own health over go-plugin's <c>grpc.health.v1</c>: a go-plugin host sees serving or not, a Hotplug host
/// also degraded and why (<see cref="HealthProtocol"/>), from a real .NET plugin process hosting a <see cref="PluginBase"/>.
/// </summary>
public sealed class HealthExtensionTests
{
    [Theory]
    [InlineData("degraded", HealthCheckResponse.Types.ServingStatus.Serving, PluginHealthStatus.Degraded, "configured to be degraded")]
    [InlineData("unhealthy", HealthCheckResponse.Types.ServingStatus.NotServing, PluginHealthStatus.Unhealthy, "configured to be unhealthy")]
    [InlineData("normal", HealthCheckResponse.Types.ServingStatus.Serving, PluginHealthStatus.Healthy, null)]
    public async Task Check_PluginBaseHealth_GoPluginSeesServingOrNotAndHotplugSeesTheRest(string mode, HealthCheckResponse.Types.ServingStatus serving, PluginHealthStatus status, string? description)
    {
        await using var plugin = await PluginProcess.StartAsync("echo", GoPlugins.EchoPlugin, [], GoPlugins.Options(o => o.Environment[ProtocolEnvironment.ConfigVariable("mode")] = mode), new ListLogger(), CancellationToken.None);

        // What a go-plugin host asks: no header, and it reads the status only.
        var plain = await plugin.CheckHealthAsync(CancellationToken.None);
        var (answered, trailers) = await ProcessHealth.AskAsync(plugin.Control, probe: null, CancellationToken.None);
        var liveness = await ProcessHealth.AskAsync(plugin.Control, HealthProtocol.LivenessProbe, CancellationToken.None);

        Assert.Equal(serving, plain);
        Assert.Equal(new PluginHealth(status, description), HealthProtocol.Read(answered, trailers));
        // Alive, whatever its health: the liveness probe does not run the plugin's own check.
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, liveness.Status);
    }

    [Fact]
    public async Task Check_GoPlugin_NoTrailersHealthyWithoutDescription()
    {
        await using var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], GoPlugins.Options(), new ListLogger(), CancellationToken.None);

        var (status, trailers) = await ProcessHealth.AskAsync(plugin.Control, probe: null, CancellationToken.None);

        Assert.Null(trailers.Get(HealthProtocol.StatusTrailer));
        Assert.Equal(PluginHealth.Healthy(), HealthProtocol.Read(status, trailers));
    }

    [Fact]
    public async Task Start_PluginBaseThrowsOnStart_RefusedWithWhatItThrew()
    {
        var error = await Assert.ThrowsAsync<PluginStartException>(() => PluginProcess.StartAsync("echo", GoPlugins.EchoPlugin, [], GoPlugins.Options(o => o.Environment[ProtocolEnvironment.ConfigVariable("mode")] = "throw-on-start"), new ListLogger(), CancellationToken.None));

        Assert.Contains("Plugin 'echo' failed to start: starting it threw InvalidOperationException: configured to fail on start", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GoHost_PluginBasePlugin_PingDispenseAndShutdownRunsItsStopAsync()
    {
        // A go-plugin Go host, given a PluginBase plugin: it starts it (StartAsync after the handshake), pings it, and
        // shuts it down through the controller, after which the plugin's StopAsync runs.
        var info = new ProcessStartInfo(GoPlugins.PingHost) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(GoPlugins.EchoPlugin);
        info.Environment[ProtocolEnvironment.ConfigVariable("mode")] = "degraded";
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

        var all = await output + await error;
        Assert.True(host.ExitCode == 0, all);
        Assert.Contains("ping ok, protocol 1", all, StringComparison.Ordinal);
        Assert.Contains("plugin exited", all, StringComparison.Ordinal);
        Assert.Contains("stopping was cancelled: True", all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("degraded", "cache cold — 3/5 shards")]
    [InlineData("unhealthy", "")]
    [InlineData("healthy", null)]
    public void ReadWrite_Trailers_RoundTrip(string status, string? description)
    {
        var trailers = new Metadata();
        HealthProtocol.Write(trailers, status, description);

        var read = HealthProtocol.Read(status == "unhealthy" ? HealthCheckResponse.Types.ServingStatus.NotServing : HealthCheckResponse.Types.ServingStatus.Serving, trailers);

        Assert.Equal(status, read.Status.ToString().ToLowerInvariant());
        Assert.Equal(string.IsNullOrEmpty(description) ? null : description, read.Description);
    }
}
