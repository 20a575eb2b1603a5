using System.Runtime.CompilerServices;

namespace Hotplug.Routing;

/// <summary>
/// Counts the calls in flight on one plugin version and lets the host retire it and wait for them to finish.
/// </summary>
/// <remarks>
/// <para>
/// A router call must cost a few nanoseconds, and an interlocked increment and decrement per call would
/// cost more than the rest of the call together (about 5 ns each on the machines this was measured on).
/// So each thread counts in a cell of its own, indexed by its managed thread id, with plain writes: a cell
/// has one writer at a time (the runtime reuses a thread id only after its thread has ended), and the sum
/// of all cells is the number of calls in flight, whichever thread a call ends on. Threads whose id is
/// past the cells share one overflow cell and count with interlocked operations.
/// </para>
/// <para>
/// Retiring is Dekker's store-then-load on both sides, with an asymmetric fence: a caller writes its cell
/// and then reads <see cref="_retired"/>; the host writes <see cref="_retired"/>, then runs
/// <see cref="Interlocked.MemoryBarrierProcessWide"/> (every CPU drains its store buffer), then sums the
/// cells. Either the caller sees the version retired and backs off, or the host sees the call and waits
/// for it. The cost of the fence is paid only by the host, once per drain poll.
/// </para>
/// </remarks>
internal sealed class CallGate
{
    // One cache line per cell, so threads calling the same plugin do not contend on a line.
    private const int Stride = 8;
    private const int Cells = 128;
    private const int OverflowCell = 0;

    private readonly long[] _cells = new long[Cells * Stride];
    private volatile bool _retired;

    public CallGate(string pluginId, string version, TimeSpan callTimeout, TimeProvider timeProvider)
    {
        PluginId = pluginId;
        Version = version;
        CallTimeout = callTimeout;
        TimeProvider = timeProvider;
    }

    public string PluginId { get; }

    public string Version { get; }

    public TimeSpan CallTimeout { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Gets the number of calls in flight (exact once the gate is retired and drained; a snapshot before).</summary>
    public long InFlight
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < _cells.Length; i += Stride)
            {
                sum += Volatile.Read(ref _cells[i]);
            }

            return sum;
        }
    }

    public bool IsRetired => _retired;

    /// <summary>Counts a call in, unless the version was retired.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnter()
    {
        Add(1);
        if (!_retired)
        {
            return true;
        }

        Add(-1);
        return false;
    }

    /// <summary>Counts a call out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit() => Add(-1);

    /// <summary>
    /// Stops new calls from entering and waits until the calls in flight have finished or
    /// <paramref name="timeout"/> has passed. The caller must already have pointed every route elsewhere.
    /// </summary>
    /// <returns><see langword="true"/> when every call finished; <see langword="false"/> on timeout.</returns>
    public async Task<bool> RetireAndDrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _retired = true;
        var started = TimeProvider.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            Interlocked.MemoryBarrierProcessWide();
            if (InFlight == 0)
            {
                return true;
            }

            var left = timeout - TimeProvider.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.Delay(delay < left ? delay : left, TimeProvider, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 20));
        }
    }

    public Exception Fault(Exception exception, string method, CancellationToken cancellationToken)
    {
        // A call cancelled by its own caller is not the plugin's failure: let the cancellation through as is.
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return exception;
        }

        // A runtime's own report about this plugin (a crashed process, say) already names it: keep its type.
        if (exception is PluginException plugin && plugin.PluginId == PluginId)
        {
            return exception;
        }

        return new PluginInvocationException(PluginId, Version, method, exception);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Add(long delta)
    {
        var id = Environment.CurrentManagedThreadId;
        if ((uint)id < Cells && id != OverflowCell)
        {
            // This thread is the only writer of its cell: a plain read and a volatile write suffice. The
            // volatile write also keeps the JIT from moving the read of _retired in TryEnter above it.
            ref var cell = ref _cells[id * Stride];
            Volatile.Write(ref cell, cell + delta);
        }
        else
        {
            Interlocked.Add(ref _cells[OverflowCell], delta);
        }
    }
}
