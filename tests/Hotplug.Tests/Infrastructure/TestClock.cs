using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Hotplug.Tests.Infrastructure;

/// <summary>
/// A fake clock that stands still until a test advances it, and tells the test each timer set on it: so a test
/// advances only once the code under test waits on the clock (a timer set after an advance would not see it), knows
/// what the code waits for (a backoff's length, a health check's bound), and sees which timers fired.
/// </summary>
/// <remarks>
/// <see cref="FakeTimeProvider"/> fires the timers that fall due within <see cref="FakeTimeProvider.Advance"/>, on the
/// thread that advances, before it returns: a timer that has not fired when an advance returns will not fire until
/// the next one.
/// </remarks>
internal sealed class TestClock : FakeTimeProvider
{
    /// <summary>Long enough for a real process to start on a loaded machine; only a hang runs into it.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private readonly Channel<Armed> _armed = Channel.CreateUnbounded<Armed>();
    private readonly List<Armed> _all = [];

    public TestClock()
        : base(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Gets every timer set on the clock so far, oldest first.</summary>
    public IReadOnlyList<Armed> Timers
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>Waits for the next timer set on the clock (in the order they were set) that matches <paramref name="match"/>, skipping the others.</summary>
    public async Task<Armed> NextAsync(Func<Armed, bool> match)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (true)
        {
            var armed = await _armed.Reader.ReadAsync(guard.Token);
            if (match(armed))
            {
                return armed;
            }
        }
    }

    /// <summary>Waits for the next timer set to fire once after <paramref name="due"/> (a delay or a timeout).</summary>
    public Task<Armed> NextAsync(TimeSpan due) => NextAsync(t => t.Due == due && t.Period == Timeout.InfiniteTimeSpan);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var armed = new Armed(dueTime, period, GetUtcNow()) { Clock = this };
        armed.Inner = base.CreateTimer(
            s =>
            {
                Interlocked.Increment(ref armed.FiredCount);
                callback(s);
            },
            state,
            dueTime,
            period);
        Publish(armed);
        return armed;
    }

    private void Publish(Armed armed)
    {
        if (armed.Due == Timeout.InfiniteTimeSpan)
        {
            // Not set yet (a periodic timer sets itself with Change): published when it is.
            return;
        }

        lock (_all)
        {
            _all.Add(armed);
        }

        _armed.Writer.TryWrite(armed);
    }

    /// <summary>One timer set on the clock: when it was set, for how long, and what became of it.</summary>
    internal sealed class Armed(TimeSpan due, TimeSpan period, DateTimeOffset setAt) : ITimer
    {
        internal int FiredCount;
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TimeSpan Due { get; private set; } = due;

        public TimeSpan Period { get; private set; } = period;

        public DateTimeOffset SetAt { get; } = setAt;

        public int Fired => Volatile.Read(ref FiredCount);

        public bool IsDisposed => _disposed.Task.IsCompleted;

        internal ITimer Inner { get; set; } = null!;

        internal TestClock? Clock { get; set; }

        /// <summary>Completes when the code that set the timer is done with it (a delay that ended, a timeout's source disposed).</summary>
        public Task WhenDisposed => _disposed.Task.WaitAsync(HangGuard);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var wasUnset = Due == Timeout.InfiniteTimeSpan;
            Due = dueTime;
            Period = period;
            var changed = Inner.Change(dueTime, period);
            if (wasUnset)
            {
                Clock?.Publish(this);
            }

            return changed;
        }

        public void Dispose()
        {
            Inner.Dispose();
            _disposed.TrySetResult();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        public override string ToString() => $"due {Due} period {Period} set at {SetAt:HH:mm:ss.fff} fired {Fired}";
    }
}
