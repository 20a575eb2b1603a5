using Grpc.Health.V1;

namespace Hotplug.Process.Tests;

/// <summary>Supervision of a real Go plugin process: crashes, restarts with backoff, quarantine.</summary>
public sealed class ProcessSupervisorTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Supervisor_PluginKilledWithSigkill_RestartedAndServesAgain()
    {
        await using var supervisor = Supervise(GoPlugins.Options(), new SupervisionOptions { InitialBackoff = TimeSpan.FromMilliseconds(50) });
        await supervisor.StartAsync(CancellationToken.None);
        var firstPid = supervisor.Current!.ProcessId;
        var restarted = WaitFor(supervisor, s => s.State == SupervisorState.Running && s.Reason == "restarted");

        System.Diagnostics.Process.GetProcessById(firstPid).Kill();
        await restarted;

        var second = supervisor.Current!;
        Assert.NotEqual(firstPid, second.ProcessId);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await second.CheckHealthAsync(CancellationToken.None));
        var failure = Assert.Single(supervisor.Failures);
        Assert.Contains("exited with code", failure.Reason);
    }

    [Fact]
    public async Task Supervisor_PluginKeepsCrashing_QuarantinedWithTheReasonsOnRecord()
    {
        var options = GoPlugins.Options(o => o.Environment["MINIMAL_MODE"] = "crash-after-start");
        await using var supervisor = Supervise(options, new SupervisionOptions { InitialBackoff = TimeSpan.FromMilliseconds(10), MaxFailures = 3 });
        var quarantined = WaitFor(supervisor, s => s.State == SupervisorState.Quarantined);

        await supervisor.StartAsync(CancellationToken.None);
        var (_, reason) = await quarantined;

        Assert.Contains("3 failures within", reason);
        Assert.Equal(3, supervisor.Failures.Count);
        Assert.All(supervisor.Failures, f => Assert.Contains("exited with code 2", f.Reason));
        Assert.Null(supervisor.Current);
        Assert.Equal(SupervisorState.Quarantined, supervisor.State);
    }

    [Fact]
    public async Task Supervisor_GoPluginStoppedWithSigstop_KilledAndRestartedAsANewProcess()
    {
        var supervision = new SupervisionOptions
        {
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            HealthCheckInterval = TimeSpan.FromMilliseconds(200),
            HealthCheckTimeout = TimeSpan.FromSeconds(1),
            MaxFailedHealthChecks = 2,
        };
        await using var supervisor = Supervise(GoPlugins.Options(), supervision);
        await supervisor.StartAsync(CancellationToken.None);
        var hung = supervisor.Current!.ProcessId;
        var restarting = WaitFor(supervisor, s => s.State == SupervisorState.Restarting && s.Reason?.Contains($"process {hung} ", StringComparison.Ordinal) == true);
        var restarted = WaitForAfter(supervisor, s => s.State == SupervisorState.Restarting, s => s.State == SupervisorState.Running && s.Reason == "restarted");

        EchoHost.Signal(hung, "STOP");
        var (_, reason) = await restarting;
        await restarted;

        Assert.Contains("failed 2 health checks in a row", reason, StringComparison.Ordinal);
        var replacement = supervisor.Current!;
        Assert.NotEqual(hung, replacement.ProcessId);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await replacement.CheckHealthAsync(CancellationToken.None));
        await EchoHost.WaitForExitAsync(hung);
        Assert.Contains(supervisor.Failures, f => f.Reason.Contains($"process {hung} ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Supervisor_Stopped_DoesNotRestart()
    {
        var supervisor = Supervise(GoPlugins.Options(), new SupervisionOptions { InitialBackoff = TimeSpan.FromMilliseconds(10) });
        await supervisor.StartAsync(CancellationToken.None);
        var pid = supervisor.Current!.ProcessId;

        await supervisor.DisposeAsync();

        Assert.Equal(SupervisorState.Stopped, supervisor.State);
        Assert.Empty(supervisor.Failures);
        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(pid));
    }

    private static ProcessSupervisor Supervise(ProcessPluginOptions options, SupervisionOptions supervision) =>
        new("minimal", ct => PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], options, new ListLogger(), ct), supervision, TimeProvider.System, new ListLogger());

    /// <summary>Waits for a change matching <paramref name="then"/> that comes after one matching <paramref name="first"/>.</summary>
    private static Task WaitForAfter(ProcessSupervisor supervisor, Func<(SupervisorState State, string? Reason), bool> first, Func<(SupervisorState State, string? Reason), bool> then)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = false;
        supervisor.StateChanged += (_, change) =>
        {
            if (seen && then(change))
            {
                done.TrySetResult();
            }

            seen |= first(change);
        };
        return done.Task.WaitAsync(HangGuard);
    }

    private static Task<(SupervisorState State, string? Reason)> WaitFor(ProcessSupervisor supervisor, Func<(SupervisorState State, string? Reason), bool> match)
    {
        var done = new TaskCompletionSource<(SupervisorState, string?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        supervisor.StateChanged += (_, change) =>
        {
            if (match(change))
            {
                done.TrySetResult(change);
            }
        };
        return done.Task.WaitAsync(HangGuard);
    }
}
