using System.Text.Json.Nodes;
using Grpc.Health.V1;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Tests;

/// <summary>With AutoMTLS, a plugin that answers with no certificate is refused, unless the host allows plaintext for it.</summary>
public sealed class PlaintextTests
{
    [Fact]
    public async Task Start_PluginAnswersNoCertificate_RefusedWithHP1200NamingThePluginAndTheSetting()
    {
        var options = GoPlugins.Options(o => o.Environment["MINIMAL_MODE"] = "no-tls");

        var error = await Assert.ThrowsAsync<PluginStartException>(() => PluginProcess.StartAsync("legacy", GoPlugins.Minimal, [], options, new ListLogger(), CancellationToken.None));

        Assert.Equal(ProcessErrors.PlaintextRefused, error.Code);
        Assert.Equal("legacy", error.PluginId);
        Assert.StartsWith("HP1200: Plugin 'legacy' did not answer the host's certificate", error.Message, StringComparison.Ordinal);
        Assert.Contains("ProcessRuntimeOptions.AllowPlaintext.Add(\"legacy\")", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PlaintextAllowedForThePlugin_ServesWithAWarning()
    {
        var logger = new ListLogger();
        var options = GoPlugins.Options(o =>
        {
            o.Environment["MINIMAL_MODE"] = "no-tls";
            o.AllowPlaintext = true;
        });

        await using var plugin = await PluginProcess.StartAsync("legacy", GoPlugins.Minimal, [], options, logger, CancellationToken.None);

        Assert.False(plugin.IsMutualTls);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await plugin.CheckHealthAsync(CancellationToken.None));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("legacy did not answer the host's certificate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_PluginWithAutoMtls_NotRefused()
    {
        await using var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], GoPlugins.Options(), new ListLogger(), CancellationToken.None);

        Assert.True(plugin.IsMutualTls);
    }

    [Fact]
    public async Task Load_HostAllowsPlaintextForOnePlugin_ThatOneServesTheOtherFailsWithHP1200()
    {
        await using var host = await TestHost.StartAsync(o => o.AllowPlaintext.Add("legacy"));
        var legacy = host.WaitForAsync("legacy", PluginVersionState.Healthy, PluginVersionState.Failed);
        var strict = host.WaitForAsync("strict", PluginVersionState.Healthy, PluginVersionState.Failed);

        host.InstallMinimal("legacy", config: new JsonObject { ["mode"] = "no-tls" });
        host.InstallMinimal("strict", config: new JsonObject { ["mode"] = "no-tls" });

        Assert.Equal(PluginVersionState.Healthy, (await legacy).VersionState);
        var refused = await strict;
        Assert.Equal(PluginVersionState.Failed, refused.VersionState);
        Assert.Contains("HP1200", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("'strict'", refused.Reason, StringComparison.Ordinal);
    }
}
