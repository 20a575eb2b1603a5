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
