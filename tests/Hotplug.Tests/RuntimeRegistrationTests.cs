using Hotplug.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Hotplug.Tests;

/// <summary>The assembly runtime is registered like any runtime, and a host can turn it off; options are checked when the host starts.</summary>
public sealed class RuntimeRegistrationTests
{
    [Fact]
    public async Task DisabledRuntimes_Option_TurnsTheAssemblyRuntimeOffToo()
    {
        await using var host = await HostFixture.StartAsync(o => o.DisabledRuntimes.Add("assembly"));
        var rejected = host.WaitForAsync(c => c.PluginId == "in-process" && c.VersionState == PluginVersionState.Rejected);
        TestPlugins.Install(host.Folder("in-process"), TestPlugins.Manifest("in-process", "1.0.0"));

        Assert.StartsWith(Manifest.ManifestErrors.UnknownRuntime + ": ", (await rejected).Reason);
    }

    [Fact]
    public async Task Start_InvalidOptions_RefusedWithEveryErrorInOneMessage()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => HostFixture.StartAsync(
            o =>
            {
                o.StabilityWindow = TimeSpan.FromSeconds(-1);
                o.HealthCheckTimeout = TimeSpan.Zero;
            },
            hotplug: b => b.DisableRuntime("lua")));

        Assert.Contains("StabilityWindow must not be negative", error.Message);
        Assert.Contains("HealthCheckTimeout must be positive", error.Message);
        Assert.Contains("DisabledRuntimes names 'lua', which no registered runtime has; registered: assembly.", error.Message);
    }

    [Fact]
    public async Task Start_InvalidAssemblyRuntimeOptions_Refused()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => HostFixture.StartAsync(
            hotplug: b => b.AddAssemblyRuntime(o => o.SharedAssemblies.Add("Acme.Telemetry.dll"))));

        Assert.Contains("SharedAssemblies[0] must be a simple assembly name", error.Message);
    }
}
