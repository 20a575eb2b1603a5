using Hotplug.Routing;

namespace Hotplug.Tests.Routing;

public sealed class CallGateTests
{
    [Fact]
    public async Task RetireAndDrain_WhileThreadsEnterAndExit_NoCallIsInsideAfterDrainCompletes()
    {
        var gate = new CallGate("p", "1.0.0", Timeout.InfiniteTimeSpan, TimeProvider.System);
        var drained = 0;
        var violations = 0;
        var entered = 0L;
        var refusedAfterDrain = 0L;
        using var stop = new CancellationTokenSource();
        var started = new CountdownEvent(4);

        var workers = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(
            () =>
            {
                started.Signal();
                while (!stop.IsCancellationRequested)
                {
                    if (gate.TryEnter())
                    {
                        Interlocked.Increment(ref entered);
                        if (Volatile.Read(ref drained) == 1)
                        {
                            Interlocked.Increment(ref violations);
                        }

                        Thread.SpinWait(20);
                        gate.Exit();
                    }
                    else if (Volatile.Read(ref drained) == 1)
                    {
                        Interlocked.Increment(ref refusedAfterDrain);
                    }
                }
            },
            TaskCreationOptions.LongRunning)).ToList();

        started.Wait();
        Assert.True(await gate.RetireAndDrainAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
        Volatile.Write(ref drained, 1);
        // Every worker keeps trying after the drain: wait until thousands of tries were refused, not for a while.
        Assert.True(SpinWait.SpinUntil(() => Interlocked.Read(ref refusedAfterDrain) >= 10_000, TimeSpan.FromMinutes(1)));
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Equal(0, violations);
        Assert.True(entered > 0);
        Assert.Equal(0, gate.InFlight);
        Assert.False(gate.TryEnter());
    }

    [Fact]
    public async Task InFlight_CallEntersOnOneThreadAndExitsOnAnother_CountsOutCorrectly()
    {
        var gate = new CallGate("p", "1.0.0", Timeout.InfiniteTimeSpan, TimeProvider.System);

        await Task.Factory.StartNew(() => Assert.True(gate.TryEnter()), TaskCreationOptions.LongRunning);
        Assert.Equal(1, gate.InFlight);
        await Task.Factory.StartNew(gate.Exit, TaskCreationOptions.LongRunning);

        Assert.Equal(0, gate.InFlight);
    }

    [Fact]
    public async Task RetireAndDrain_CallNeverEnds_ReturnsFalseAtTimeout()
    {
        var gate = new CallGate("p", "1.0.0", Timeout.InfiniteTimeSpan, TimeProvider.System);
        Assert.True(gate.TryEnter());

        var drained = await gate.RetireAndDrainAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);

        Assert.False(drained);
        Assert.Equal(1, gate.InFlight);
    }
}
