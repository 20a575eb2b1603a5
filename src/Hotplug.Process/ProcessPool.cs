using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process;

/// <summary>
/// The processes of one plugin version: at least <c>pool.min</c> of them, each supervised on its own (restart
/// with backoff, quarantine), grown up to <c>pool.max</c> while every running process has a call in flight, and
/// shrunk back to <c>pool.min</c> when the extra ones have been idle for <see cref="ProcessRuntimeOptions.PoolIdleTimeout"/>.
/// Each call goes to the running process with the fewest calls in flight; a process found hung (see
/// <see cref="SupervisionOptions"/>) leaves the rotation at once, and the others take its calls while it is replaced.
/// </summary>
internal sealed class ProcessPool : IAsyncDisposable
{
    private readonly Func<string, ProcessSupervisor> _supervise;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _idleTimeout;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _sync = new();
    private Member[] _members = [];
    private int _growing;
    private int _next;
    private int _serial;
    private Task? _shrink;

    public ProcessPool(string pluginId, string version, int min, int max, TimeSpan idleTimeout, Func<string, ProcessSupervisor> supervise, TimeProvider time, ILogger logger)
    {
        PluginId = pluginId;
        Version = version;
        Min = min;
        Max = max;
        _idleTimeout = idleTimeout;
        _supervise = supervise;
        _time = time;
        _logger = logger;
    }

    public string PluginId { get; }

    public string Version { get; }

    public int Min { get; }

    public int Max { get; }

    /// <summary>Gets the supervisors of the pool's processes, in the order they were started.</summary>
    public IReadOnlyList<ProcessSupervisor> Supervisors => [.. Volatile.Read(ref _members).Select(m => m.Supervisor)];

    /// <summary>Starts <see cref="Min"/> processes side by side; if one cannot start, none is kept.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var members = Enumerable.Range(0, Min).Select(_ => new Member(_supervise(NextName()), _time.GetTimestamp())).ToArray();
        try
        {
            await Task.WhenAll(members.Select(m => m.Supervisor.StartAsync(cancellationToken))).ConfigureAwait(false);
        }
        catch
        {
            await Task.WhenAll(members.Select(m => m.Supervisor.DisposeAsync().AsTask())).ConfigureAwait(false);
            throw;
        }

        Volatile.Write(ref _members, members);
        if (Max > Min)
        {
            _shrink = Task.Run(() => ShrinkAsync(_stopping.Token), CancellationToken.None);
        }
    }

    /// <summary>Takes the running process with the fewest calls in flight for one call; dispose the lease when the call ends.</summary>
    /// <exception cref="PluginCrashedException">No process of the pool is running.</exception>
    public Lease Acquire()
    {
        while (true)
        {
            var members = Volatile.Read(ref _members);
            Member? best = null;
            PluginProcess? process = null;
            var bestLoad = 0;
            var start = members.Length > 1 ? (int)((uint)Interlocked.Increment(ref _next) % (uint)members.Length) : 0;
            for (var i = 0; i < members.Length; i++)
            {
                var member = members[(start + i) % members.Length];
                var load = Volatile.Read(ref member.InFlight);
                if (load >= 0 && member.Supervisor.Current is { } current && (best is null || load < bestLoad))
                {
                    best = member;
                    bestLoad = load;
                    process = current;
                }
            }

            if (best is null)
            {
                throw new PluginCrashedException($"Plugin '{PluginId}' {Version} has no running process: it is {Describe(members)}.", PluginId, Version);
            }

            var inFlight = Interlocked.Increment(ref best.InFlight);
            if (inFlight <= 0)
            {
                // Retired by the shrink since its load was read: it takes no more calls, another will.
                continue;
            }

            if (inFlight > 1 && members.Length < Max)
            {
                // The least loaded process is busy, so every one is: add one for the calls to come.
                Grow();
            }

            return new Lease(best, process!, _time);
        }
    }

    /// <summary>Says how the pool is: "running", or each process's state when none runs.</summary>
    public string Describe() => Describe(Volatile.Read(ref _members));

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_shrink is not null)
        {
            await _shrink.ConfigureAwait(false);
        }

        Member[] members;
        lock (_sync)
        {
            members = Interlocked.Exchange(ref _members, []);
        }

        await Task.WhenAll(members.Select(m => m.Supervisor.DisposeAsync().AsTask())).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static string Describe(Member[] members) =>
        members.Length == 1
            ? members[0].Supervisor.State.ToString().ToLowerInvariant()
            : string.Join(", ", members.GroupBy(m => m.Supervisor.State).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"));

    private string NextName() => Max == 1 ? PluginId : $"{PluginId}#{Interlocked.Increment(ref _serial)}";

    private void Grow()
    {
        if (Interlocked.CompareExchange(ref _growing, 1, 0) != 0)
        {
            return;
        }

        var stopping = _stopping.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                var member = new Member(_supervise(NextName()), _time.GetTimestamp());
                try
                {
                    await member.Supervisor.StartAsync(stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is PluginStartException or OperationCanceledException or RpcException or IOException)
                {
                    await member.Supervisor.DisposeAsync().ConfigureAwait(false);
                    _logger.LogWarning("Plugin {PluginId} {Version}: could not add a process to its pool: {Reason}", PluginId, Version, ex.Message);
                    return;
                }

                lock (_sync)
                {
                    if (_stopping.IsCancellationRequested || _members.Length >= Max)
                    {
                        _ = member.Supervisor.DisposeAsync().AsTask();
                        return;
                    }

                    Volatile.Write(ref _members, [.. _members, member]);
                    _logger.LogInformation("Plugin {PluginId} {Version}: pool grown to {Count} processes (max {Max})", PluginId, Version, _members.Length, Max);
                }
            }
            finally
            {
                Volatile.Write(ref _growing, 0);
            }
        });
    }

    /// <summary>
    /// Stops processes beyond <see cref="Min"/> that had no call for the idle timeout, newest first. A process is
    /// retired only while no call holds it, in one step that no call can race (see <see cref="Member.Retire"/>), so it
    /// is stopped at once: a call in flight keeps its process however long it runs, and no call can take one retired.
    /// </summary>
    private async Task ShrinkAsync(CancellationToken stopping)
    {
        var period = TimeSpan.FromTicks(Math.Max(_idleTimeout.Ticks / 2, TimeSpan.FromMilliseconds(50).Ticks));
        try
        {
            while (true)
            {
                await Task.Delay(period, _time, stopping).ConfigureAwait(false);
                Member? idle = null;
                lock (_sync)
                {
                    var members = _members;
                    for (var i = members.Length - 1; i >= Min && idle is null; i--)
                    {
                        var member = members[i];
                        if (Volatile.Read(ref member.InFlight) == 0 && _time.GetElapsedTime(Volatile.Read(ref member.LastUsed)) >= _idleTimeout && member.Retire())
                        {
                            idle = member;
                            Volatile.Write(ref _members, [.. members.Where(m => m != idle)]);
                            _logger.LogInformation("Plugin {PluginId} {Version}: pool shrunk to {Count} processes (min {Min})", PluginId, Version, _members.Length, Min);
                        }
                    }
                }

                if (idle is not null)
                {
                    await idle.Supervisor.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One process of the pool and its load.</summary>
    internal sealed class Member(ProcessSupervisor supervisor, long lastUsed)
    {
        /// <summary>What <see cref="InFlight"/> holds once the member is retired: far enough below zero that calls racing to take it all see it so.</summary>
        private const int Retired = int.MinValue;

        /// <summary>The calls in flight on the member; negative once it is retired.</summary>
        public int InFlight;
        public long LastUsed = lastUsed;

        public ProcessSupervisor Supervisor { get; } = supervisor;

        /// <summary>
        /// Retires the member if no call holds it, in one atomic step: a call that read it as idle a moment before
        /// finds it retired when it counts itself in (<see cref="ProcessPool.Acquire"/>) and takes another process instead.
        /// </summary>
        public bool Retire() => Interlocked.CompareExchange(ref InFlight, Retired, 0) == 0;
    }

    /// <summary>One call's hold on a process; counted out once, however often it is disposed.</summary>
    internal sealed class Lease(Member member, PluginProcess process, TimeProvider time) : IDisposable
    {
        private int _done;

        public PluginProcess Process { get; } = process;

        public CallInvoker Invoker => Process.CallInvoker;

        /// <summary>Tells the process's supervisor that the call ran into the deadline the host gave it.</summary>
        public void TimedOut() => member.Supervisor.CallTimedOut(Process);

        /// <summary>Tells the process's supervisor that the process answered.</summary>
        public void Answered() => member.Supervisor.CallAnswered(Process);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Volatile.Write(ref member.LastUsed, time.GetTimestamp());
                Interlocked.Decrement(ref member.InFlight);
            }
        }
    }
}
