using Hotplug.Tests.Infrastructure;

namespace Hotplug.Process.Tests;

/// <summary>
/// A pool of real Go plugin processes shrinking back to its minimum on a <see cref="TestClock"/>: a process added
/// beyond the minimum is retired once idle for the idle timeout by the clock, never while a call holds it.
/// </summary>
public sealed class ProcessPoolShrinkTests
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often the pool looks for idle processes: every half idle timeout.</summary>
    private static readonly TimeSpan Look = IdleTimeout / 2;

    [Fact]
    public async Task Shrink_AddedProcessIdleLessThanTheTimeout_Kept_RetiredOnceIdlePastIt()
    {
        var clock = new TestClock();
        var logger = new ListLogger();
        await using var pool = Pool(clock, logger);
        await pool.StartAsync(CancellationToken.None);
        var look = await clock.NextAsync(Look);
        var added = await GrowAsync(pool, logger);
        var pid = added.Current!.ProcessId;

        // Idle for half the timeout: kept.
        look = await LookAsync(clock, look);
        Assert.Equal(2, pool.Supervisors.Count);
        Assert.Equal(SupervisorState.Running, added.State);

        // Idle for the timeout: retired and stopped, and the pool looks on.
        await LookAsync(clock, look);
        Assert.Single(pool.Supervisors);
        Assert.Equal(SupervisorState.Stopped, added.State);
        await EchoHost.WaitForExitAsync(pid);
        Assert.Contains(logger.Entries, e => e.Message.Contains("pool shrunk to 1 processes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Shrink_AddedProcessHoldsACall_NeverRetiredHoweverLongItRuns_RetiredOnceIdleAfterIt()
    {
        var clock = new TestClock();
        var logger = new ListLogger();
        await using var pool = Pool(clock, logger);
        await pool.StartAsync(CancellationToken.None);
        var look = await clock.NextAsync(Look);
        var added = await GrowAsync(pool, logger);

        // One call on each process (the least loaded takes each); the one on the first ends, the other runs on.
        var first = pool.Acquire();
        var second = pool.Acquire();
        var (held, other) = first.Process == added.Current ? (first, second) : (second, first);
        Assert.Same(added.Current, held.Process);
        other.Dispose();

        for (var i = 0; i < 12; i++)
        {
            look = await LookAsync(clock, look);
            Assert.Equal(2, pool.Supervisors.Count);
            Assert.Same(held.Process, added.Current);
        }

        // Its call ends a minute of the clock later: idle from then, it is kept for the idle timeout, then retired.
        held.Dispose();
        look = await LookAsync(clock, look);
        Assert.Equal(2, pool.Supervisors.Count);
        await LookAsync(clock, look);
        Assert.Single(pool.Supervisors);
        Assert.Equal(SupervisorState.Stopped, added.State);
    }

    private static ProcessPool Pool(TestClock clock, ListLogger logger)
    {
        // No liveness checks: the pool's looks are the only timers on the clock.
        var supervision = new SupervisionOptions { HealthCheckInterval = Timeout.InfiniteTimeSpan };
        return new ProcessPool(
            "minimal",
            "1.0.0",
            min: 1,
            max: 2,
            IdleTimeout,
            name => new ProcessSupervisor(name, ct => PluginProcess.StartAsync(name, GoPlugins.Minimal, [], GoPlugins.Options(), new ListLogger(), ct), supervision, clock, logger),
            clock,
            logger);
    }

    /// <summary>Two calls at once on the one process make the pool add a second; both calls end at once.</summary>
    private static async Task<ProcessSupervisor> GrowAsync(ProcessPool pool, ListLogger logger)
    {
        using (pool.Acquire())
        using (pool.Acquire())
        {
            await logger.WhenLogged("pool grown to 2 processes").WaitAsync(TestClock.HangGuard);
        }

        return pool.Supervisors[1];
    }

    /// <summary>Lets the pool's next look fall due, and waits until it is over (it has set the one after).</summary>
    private static async Task<TestClock.Armed> LookAsync(TestClock clock, TestClock.Armed look)
    {
        clock.Advance(look.Due);
        Assert.Equal(1, look.Fired);
        return await clock.NextAsync(Look);
    }
}
