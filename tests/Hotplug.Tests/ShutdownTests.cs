using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;

namespace Hotplug.Tests;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_CallTimedOutButStillRunning_BoundedByTheStopTimeoutAndTheAbandonedCallOnRecord()
    {
        // A drain timeout far longer than anyone waits: only the stop timeout can end the stop.
        await using var host = await HostFixture.StartAsync(o =>
        {
            o.StopTimeout = TimeSpan.FromSeconds(1);
            o.DefaultDrainTimeout = TimeSpan.FromHours(1);
        });
        var manifest = TestPlugins.Manifest("echo", "1.0.0");
        manifest["callTimeout"] = "200ms";
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        TestPlugins.Install(host.Folder("echo"), manifest);
        await healthy;

        // The caller is released by the call timeout; the plugin's task never ends, so the call stays counted.
        await Assert.ThrowsAsync<PluginTimeoutException>(() => host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("hang")).AsTask());
        Assert.Equal(1, host.Plugins.GetPlugin("echo")!.InFlight);

        // No token from the caller: the host bounds its own stop. The guard only turns a hang into a failure.
        await ((IHostedService)host.Plugins).StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));

        var record = Assert.Single(host.Plugins.GetPlugin("echo")!.PreviousVersions, r => r.Version == "1.0.0");
        Assert.Equal(PluginVersionState.Stopped, record.State);
        Assert.Contains("1 call(s) still running were abandoned when the host stopped", record.Reason);
    }
}
