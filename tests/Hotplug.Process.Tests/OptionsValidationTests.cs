using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hotplug.Process.Tests;

/// <summary>The process runtime's options are checked when the host starts, not when a plugin first needs them; a .NET plugin's when it runs.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public async Task Start_InvalidProcessRuntimeAndSupervisionOptions_HostRefusesNamingEveryProblemInOneMessage()
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-options", Guid.NewGuid().ToString("N")[..10]);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHotplug(o =>
        {
            o.PluginsPath = Path.Combine(root, "plugins");
            o.StatePath = Path.Combine(root, "state");
            o.RequireSignedPackages = false;
        }).AddProcessRuntime(o =>
        {
            o.MagicCookieValue = string.Empty;
            o.HandshakeTimeout = TimeSpan.FromSeconds(-5);
            o.Supervision.MaxFailures = 0;
            o.Supervision.Jitter = 2;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("Invalid process runtime options (AddProcessRuntime): ", failure, StringComparison.Ordinal);
        Assert.Contains("MagicCookieValue must not be empty.", failure, StringComparison.Ordinal);
        Assert.Contains("HandshakeTimeout must be positive", failure, StringComparison.Ordinal);
        Assert.Contains("Supervision.MaxFailures must be at least 1; it is 0.", failure, StringComparison.Ordinal);
        Assert.Contains("Supervision.Jitter must be from 0 to 1; it is 2.", failure, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(root, "state")), "the host started nothing");
    }

    [Fact]
    public async Task Run_InvalidGoPluginServerOptions_PluginRefusesNamingEveryProblemInOneMessage()
    {
        var options = new Plugin.GoPluginServerOptions { MagicCookieKey = "A=B", MagicCookieValue = string.Empty, StopTimeout = TimeSpan.FromSeconds(-1) };
        options.ProtocolVersions.Clear();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Plugin.GoPluginServer.RunAsync(options));

        Assert.StartsWith("Invalid GoPluginServerOptions: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("MagicCookieKey must be an environment variable name (not empty, no '='); it is 'A=B'.", error.Message, StringComparison.Ordinal);
        Assert.Contains("MagicCookieValue must not be empty.", error.Message, StringComparison.Ordinal);
        Assert.Contains("ProtocolVersions must name at least one version, each 1 or more; it is [].", error.Message, StringComparison.Ordinal);
        Assert.Contains("StopTimeout must not be negative", error.Message, StringComparison.Ordinal);
        Assert.Empty(new Plugin.GoPluginServerOptions().Validate());
    }

    [Fact]
    public async Task Start_DefaultOptions_Valid()
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-options", Guid.NewGuid().ToString("N")[..10]);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHotplug(o =>
        {
            o.PluginsPath = Path.Combine(root, "plugins");
            o.StatePath = Path.Combine(root, "state");
        }).AddProcessRuntime();
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();

        Assert.Empty(new ProcessRuntimeOptions().Validate());
        Directory.Delete(root, recursive: true);
    }
}
