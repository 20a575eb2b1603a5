using Grpc.Health.V1;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Process.Tests;

/// <summary>
/// Supervision of a real Go plugin process: crashes, restarts with backoff, quarantine, liveness checks. Where time
/// decides (the backoff, the failure window, the checks' interval and timeout) the supervisor runs on a
/// <see cref="TestClock"/> that stands still until the test advances it.
/// </summary>
public sealed class ProcessSupervisorTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    /// <summary>Less than any wait the tests set: how far short of its due time a timer is held.</summary>
    private static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(1);

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
    public async Task Supervisor_CrashThenFailedStarts_EachRestartWaitsItsBackoffOnTheClock_DoublingUpToTheCap()
    {
        var clock = new TestClock();
        var starts = 0;
        var supervision = new SupervisionOptions
        {
            InitialBackoff = TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(5),
            Jitter = 0,
            MaxFailures = 100,
            FailureWindow = TimeSpan.FromHours(1),
            HealthCheckInterval = Timeout.InfiniteTimeSpan,
        };

        // The first start and from the sixth on succeed; those between fail, the plugin exiting before its handshake.
        await using var supervisor = new ProcessSupervisor("minimal", ct => PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], Interlocked.Increment(ref starts) is 1 or >= 6 ? GoPlugins.Options() : GoPlugins.Options(o => o.MagicCookieValue = "wrong"), new ListLogger(), ct), supervision, clock, new ListLogger());
        await supervisor.StartAsync(CancellationToken.None);
        var t0 = clock.GetUtcNow();
        var restarted = WaitFor(supervisor, s => s.State == SupervisorState.Running && s.Reason == "restarted");
        System.Diagnostics.Process.GetProcessById(supervisor.Current!.ProcessId).Kill();

        var attempt = 1;
        foreach (var seconds in new[] { 1, 2, 4, 5, 5 })
        {
            // Each failure waits on the clock before the next start, and no start comes while the clock is held.
            var backoff = await clock.NextAsync(_ => true);
            Assert.Equal(TimeSpan.FromSeconds(seconds), backoff.Due);
            Assert.Equal(attempt, Volatile.Read(ref starts));
            clock.Advance(backoff.Due - Moment);
            Assert.Equal(0, backoff.Fired);
            Assert.Equal(attempt, Volatile.Read(ref starts));
            Assert.Equal(SupervisorState.Restarting, supervisor.State);

            clock.Advance(Moment);
            Assert.Equal(1, backoff.Fired);
            attempt++;
        }

        await restarted;
        Assert.Equal(6, Volatile.Read(ref starts));
        Assert.Equal([t0, t0.AddSeconds(1), t0.AddSeconds(3), t0.AddSeconds(7), t0.AddSeconds(12)], supervisor.Failures.Select(f => f.At));

        // A crash right after the restart is one more failure in the window: it waits as long as a failed start would.
        restarted = WaitFor(supervisor, s => s.State == SupervisorState.Running && s.Reason == "restarted");
        System.Diagnostics.Process.GetProcessById(supervisor.Current!.ProcessId).Kill();
        var again = await clock.NextAsync(_ => true);
        Assert.Equal(TimeSpan.FromSeconds(5), again.Due);
        clock.Advance(again.Due);
        await restarted;

        // Once it has run a whole failure window without failing, the next crash waits the first backoff again.
        clock.Advance(supervision.FailureWindow);
        System.Diagnostics.Process.GetProcessById(supervisor.Current!.ProcessId).Kill();
        Assert.Equal(TimeSpan.FromSeconds(1), (await clock.NextAsync(_ => true)).Due);
    }

    [Fact]
    public async Task Supervisor_CrashesSpreadBeyondTheFailureWindow_NotQuarantined_CrashesWithinIt_Quarantined()
    {
        var clock = new TestClock();
        var supervision = new SupervisionOptions
        {
            // Every restart waits 1 s, however many failures the window holds.
            InitialBackoff = TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(1),
            Jitter = 0,
            MaxFailures = 3,
            FailureWindow = TimeSpan.FromSeconds(2.5),
            HealthCheckInterval = Timeout.InfiniteTimeSpan,
        };
        await using var supervisor = Supervise(GoPlugins.Options(), supervision, clock);
        var quarantined = WaitFor(supervisor, s => s.State == SupervisorState.Quarantined);
        await supervisor.StartAsync(CancellationToken.None);
        var t0 = clock.GetUtcNow();

        // The process crashes (killed) as soon as it runs: every 2 s of the clock, never 3 within 2.5 s, so each is
        // restarted, however many there are; then every second, and the third within the window quarantines it.
        foreach (var seconds in new[] { 2, 2, 2, 1, 1 })
        {
            var restarted = WaitFor(supervisor, s => s.State == SupervisorState.Running && s.Reason == "restarted");
            System.Diagnostics.Process.GetProcessById(supervisor.Current!.ProcessId).Kill();
            await clock.NextAsync(supervision.InitialBackoff);
            Assert.Equal(SupervisorState.Restarting, supervisor.State);
            clock.Advance(TimeSpan.FromSeconds(seconds));
            await restarted;
        }

        System.Diagnostics.Process.GetProcessById(supervisor.Current!.ProcessId).Kill();
        var (_, reason) = await quarantined;

        Assert.Contains("3 failures within 2.5 s", reason, StringComparison.Ordinal);
        Assert.Equal([0, 2, 4, 6, 7, 8], supervisor.Failures.Select(f => (f.At - t0).TotalSeconds));
        Assert.All(supervisor.Failures, f => Assert.Contains("exited with code", f.Reason));
        Assert.Null(supervisor.Current);
        Assert.Equal(SupervisorState.Quarantined, supervisor.State);
    }

    [Fact]
    public async Task Supervisor_ClockHeld_NoLivenessCheck_EachIntervalRunsOneRound()
    {
        var clock = new TestClock();
        var supervision = new SupervisionOptions { HealthCheckInterval = TimeSpan.FromSeconds(5), HealthCheckTimeout = TimeSpan.FromSeconds(2) };
        await using var supervisor = Supervise(GoPlugins.Options(), supervision, clock);
        await supervisor.StartAsync(CancellationToken.None);
        var interval = await clock.NextAsync(t => t.Period == supervision.HealthCheckInterval);

        for (var round = 1; round <= 3; round++)
        {
            clock.Advance(supervision.HealthCheckInterval - Moment);
            Assert.Equal(round - 1, interval.Fired);
            Assert.Equal(round - 1, clock.Timers.Count(t => t.Due == supervision.HealthCheckTimeout));

            clock.Advance(Moment);
            Assert.Equal(round, interval.Fired);

            // The round's check is bounded by a timeout on the same clock; the process answers well within it.
            var check = await clock.NextAsync(supervision.HealthCheckTimeout);
            await check.WhenDisposed;
            Assert.Equal(0, check.Fired);
        }

        Assert.Equal(3, clock.Timers.Count(t => t.Due == supervision.HealthCheckTimeout));
        Assert.Equal(SupervisorState.Running, supervisor.State);
        Assert.Empty(supervisor.Failures);
    }

    [Fact]
    public async Task Supervisor_GoPluginStoppedWithSigstop_CheckFailsWhenTheClockPassesItsTimeout_KilledAndRestarted()
    {
        var clock = new TestClock();
        var supervision = new SupervisionOptions
        {
            InitialBackoff = TimeSpan.FromSeconds(1),
            Jitter = 0,
            HealthCheckInterval = TimeSpan.FromSeconds(5),
            HealthCheckTimeout = TimeSpan.FromSeconds(2),
            MaxFailedHealthChecks = 1,
        };
        await using var supervisor = Supervise(GoPlugins.Options(), supervision, clock);
        await supervisor.StartAsync(CancellationToken.None);
        await clock.NextAsync(t => t.Period == supervision.HealthCheckInterval);
        var hung = supervisor.Current!.ProcessId;
        var restarting = WaitFor(supervisor, s => s.State == SupervisorState.Restarting && s.Reason?.Contains($"process {hung} ", StringComparison.Ordinal) == true);
        var restarted = WaitFor(supervisor, s => s.State == SupervisorState.Running && s.Reason == "restarted");
        try
        {
            EchoHost.Signal(hung, "STOP");
            clock.Advance(supervision.HealthCheckInterval);
            var check = await clock.NextAsync(supervision.HealthCheckTimeout);

            // Unanswered, the check waits for the clock, however long it really takes.
            clock.Advance(supervision.HealthCheckTimeout - Moment);
            Assert.Equal(0, check.Fired);
            Assert.False(restarting.IsCompleted);
            Assert.Equal(hung, supervisor.Current?.ProcessId);

            clock.Advance(Moment);
            Assert.Equal(1, check.Fired);

            // Failed, the process is given the same bound to be seen exiting on its own, then called hung and killed.
            await clock.NextAsync(supervision.HealthCheckTimeout);
            clock.Advance(supervision.HealthCheckTimeout);
            var (_, reason) = await restarting;
            Assert.Contains("failed 1 health checks in a row (no answer within 2000 ms)", reason, StringComparison.Ordinal);
            await EchoHost.WaitForExitAsync(hung);

            await clock.NextAsync(supervision.InitialBackoff);
            clock.Advance(supervision.InitialBackoff);
            await restarted;
            var replacement = supervisor.Current!;
            Assert.NotEqual(hung, replacement.ProcessId);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await replacement.CheckHealthAsync(CancellationToken.None));
            Assert.Contains(supervisor.Failures, f => f.Reason.Contains($"process {hung} ", StringComparison.Ordinal));
        }
        finally
        {
            EchoHost.Signal(hung, "KILL");
        }
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

    private static ProcessSupervisor Supervise(ProcessPluginOptions options, SupervisionOptions supervision, TimeProvider? time = null) =>
        new("minimal", ct => PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], options, new ListLogger(), ct), supervision, time ?? TimeProvider.System, new ListLogger());

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
