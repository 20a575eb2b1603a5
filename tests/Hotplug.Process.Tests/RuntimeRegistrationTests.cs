using Hotplug.Tests.Infrastructure;

namespace Hotplug.Process.Tests;

using TestPlugins = Hotplug.Tests.Infrastructure.TestPlugins;

/// <summary>A host with the assembly runtime turned off still runs process plugins.</summary>
public sealed class RuntimeRegistrationTests
{
    [Fact]
    public async Task DisableRuntime_Assembly_AssemblyPluginRejectedAsUnknownRuntimeAndProcessPluginsServe()
    {
        await using var host = await HostFixture.StartAsync(hotplug: b => b.DisableRuntime("assembly"));
        var rejected = host.WaitForAsync(c => c.PluginId == "in-process" && c.VersionState == PluginVersionState.Rejected);
        TestPlugins.Install(host.Folder("in-process"), TestPlugins.Manifest("in-process", "1.0.0"));

        var change = await rejected;

        Assert.StartsWith(Manifest.ManifestErrors.UnknownRuntime + ": ", change.Reason);
        Assert.Contains("'assembly'", change.Reason);
        Assert.Equal(PluginState.Rejected, host.Plugins.GetPlugin("in-process")!.State);

        // Other runtimes are not affected.
        await host.InstallAsync("out-of-process", "out-of-process", "1.0.0", TestPlugins.EchoProcess);
        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("out-of-process")!.State);
    }

    [Fact]
    public async Task Start_DisabledRuntimeNotRegistered_RefusedNamingEveryRegisteredRuntime()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => HostFixture.StartAsync(hotplug: b => b.DisableRuntime("lua")));

        Assert.Contains("DisabledRuntimes names 'lua', which no registered runtime has; registered: assembly, process.", error.Message);
    }
}
