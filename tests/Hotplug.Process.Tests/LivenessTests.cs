using Hotplug.TestContracts;

namespace Hotplug.Process.Tests;

/// <summary>
/// A plugin process that hangs — stopped with SIGSTOP, as a debugger or a stuck kernel call would leave it — is found
/// by its failed health checks or by its calls running into their timeout, taken out of rotation, killed and replaced,
/// while the other processes of its pool serve on.
/// </summary>
public sealed class LivenessTests
{
    [Fact]
    public async Task Liveness_ProcessStoppedWithSigstop_KilledAndReplacedByANewProcess()
    {
        await using var host = await EchoHost.StartAsync(ShortChecks);
        await host.InstallAsync();
        var hung = await host.PidAsync();

        try
        {
            EchoHost.Signal(hung, "STOP");
            await host.Logs.WhenLogged($"process {hung} failed 2 health checks in a row").WaitAsync(EchoHost.HangGuard);
            await EchoHost.WaitForExitAsync(hung);

            var replacement = await host.WaitForPidAsync(pid => pid != hung);

            Assert.Equal("ok", (await host.Echo.EchoAsync(new EchoRequest("ok"))).Text);
            Assert.Equal(replacement, await host.PidAsync());
        }
        finally
        {
            EchoHost.Signal(hung, "KILL");
        }
    }

    [Fact]
    public async Task Liveness_OneOfTwoProcessesStopped_TheOtherServesAndTheStoppedOneIsReplaced()
    {
        await using var host = await EchoHost.StartAsync(ShortChecks);
        await host.InstallAsync(pool: 2);
        var pids = new HashSet<int>();
        await host.WaitForPidAsync(pid => pids.Add(pid) && pids.Count == 2);

        // A call held in one process; that process is then stopped under it.
        using var release = new CancellationTokenSource();
        var held = host.Echo.EchoAsync(new EchoRequest("hold"), release.Token).AsTask();
        await host.Logs.WhenLogged("holding a call in process").WaitAsync(EchoHost.HangGuard);
        var hung = pids.Single(pid => host.Logs.Entries.Any(e => e.Message == $"holding a call in process {pid}"));
        var other = pids.Single(pid => pid != hung);
        try
        {
            EchoHost.Signal(hung, "STOP");

            // While it is stopped, and until it is replaced, no call reaches it: every one is answered.
            for (var i = 0; i < 10; i++)
            {
                Assert.NotEqual(hung, await host.PidAsync());
            }

            await EchoHost.WaitForExitAsync(hung);
            var crashed = await Assert.ThrowsAsync<PluginCrashedException>(() => held).WaitAsync(EchoHost.HangGuard);
            Assert.Contains($"process {hung}", crashed.Message, StringComparison.Ordinal);

            // The pool is whole again, with a new process in place of the hung one.
            var replacement = await host.WaitForPidAsync(pid => pid != other);
            Assert.NotEqual(hung, replacement);
            Assert.Contains($"process {hung} failed 2 health checks in a row", string.Join('\n', host.Logs.Entries.Select(e => e.Message)), StringComparison.Ordinal);
        }
        finally
        {
            EchoHost.Signal(hung, "KILL");
            await release.CancelAsync();
        }
    }

    [Fact]
    public async Task Liveness_CallsKeepRunningIntoTheirTimeout_ProcessKilledAndReplaced()
    {
        // No health checks: only the calls' timeouts tell that the process hangs.
        await using var host = await EchoHost.StartAsync(o =>
        {
            o.HealthCheckInterval = Timeout.InfiniteTimeSpan;
            o.MaxCallTimeouts = 2;
        });
        await host.InstallAsync(callTimeout: "1s");
        var hung = await host.PidAsync();

        try
        {
            EchoHost.Signal(hung, "STOP");
            await Assert.ThrowsAsync<PluginTimeoutException>(() => host.Echo.EchoAsync(new EchoRequest("x")).AsTask());
            await Assert.ThrowsAsync<PluginTimeoutException>(() => host.Echo.EchoAsync(new EchoRequest("x")).AsTask());
            await EchoHost.WaitForExitAsync(hung);

            var replacement = await host.WaitForPidAsync(pid => pid != hung);

            Assert.NotEqual(hung, replacement);
            await host.Logs.WhenLogged($"process {hung} ran into its call timeout on 2 calls in a row").WaitAsync(EchoHost.HangGuard);
        }
        finally
        {
            EchoHost.Signal(hung, "KILL");
        }
    }

    [Fact]
    public async Task Liveness_CallsRunIntoTheirTimeoutOnAProcessThatAnswers_ItIsSlowNotHungAndServesOn()
    {
        await using var host = await EchoHost.StartAsync(o =>
        {
            o.HealthCheckInterval = Timeout.InfiniteTimeSpan;
            o.MaxCallTimeouts = 2;
        });
        await host.InstallAsync(callTimeout: "1s");
        var pid = await host.PidAsync();

        // Calls slower than their timeout, in a process that still answers: a loaded machine, not a hang.
        await Assert.ThrowsAsync<PluginTimeoutException>(() => host.Echo.EchoAsync(new EchoRequest("hold")).AsTask());
        await Assert.ThrowsAsync<PluginTimeoutException>(() => host.Echo.EchoAsync(new EchoRequest("hold")).AsTask());
        await host.Logs.WhenLogged($"process {pid} ran into its call timeout on 2 calls in a row but answers its health check").WaitAsync(EchoHost.HangGuard);

        Assert.Equal(pid, await host.PidAsync());
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains("killing it", StringComparison.Ordinal));
    }

    /// <summary>Checks every 200 ms, each allowed a generous second: a hang shows within a couple of seconds, a busy machine does not.</summary>
    private static void ShortChecks(SupervisionOptions options)
    {
        options.HealthCheckInterval = TimeSpan.FromMilliseconds(200);
        options.HealthCheckTimeout = TimeSpan.FromSeconds(1);
        options.MaxFailedHealthChecks = 2;
    }
}
