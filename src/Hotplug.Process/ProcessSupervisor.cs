using Microsoft.Extensions.Logging;

namespace Hotplug.Process;

/// <summary>Where a supervised plugin process is.</summary>
internal enum SupervisorState
{
    Starting,
    Running,
    Restarting,
    Quarantined,
    Stopped,
}

/// <summary>
/// Keeps one plugin process running: when it dies on its own, or hangs (it fails its liveness checks, or its calls
/// keep running into their call timeout), the failure is recorded, a hung process is killed, and the process is
/// started again after an exponential backoff with jitter; after too many failures within a window the plugin is
/// quarantined — not restarted — with the reasons on record. What go-plugin leaves to each application.
/// </summary>
internal sealed partial class ProcessSupervisor : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<PluginProcess>> _start;
    private readonly SupervisionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<(DateTimeOffset At, string Reason)> _failures = [];
    private readonly object _sync = new();
    private Tracked? _current;
    private Task? _watch;
    private Task? _liveness;

    public ProcessSupervisor(string pluginId, Func<CancellationToken, Task<PluginProcess>> start, SupervisionOptions options, TimeProvider time, ILogger logger)
    {
        PluginId = pluginId;
        _start = start;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public event EventHandler<(SupervisorState State, string? Reason)>? StateChanged;

    public string PluginId { get; }

    public SupervisorState State { get; private set; } = SupervisorState.Starting;

    /// <summary>Gets the running process, or <see langword="null"/> while it restarts, after it was found hung, or after quarantine.</summary>
    public PluginProcess? Current => Volatile.Read(ref _current)?.Process;

    /// <summary>Gets every failure on record, oldest first.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Reason)> Failures
    {
        get
        {
            lock (_sync)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>Starts the process the first time. A plugin that cannot start at all fails here and is not supervised.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var process = new Tracked(await _start(cancellationToken).ConfigureAwait(false));
        Volatile.Write(ref _current, process);
        SetState(SupervisorState.Running, null);
        _watch = Task.Run(() => WatchAsync(process, _stopping.Token), CancellationToken.None);
        if (_options.HealthCheckInterval != Timeout.InfiniteTimeSpan)
        {
            _liveness = Task.Run(() => CheckLivenessAsync(_stopping.Token), CancellationToken.None);
        }
    }

    /// <summary>
    /// Counts a call on <paramref name="process"/> that ran into the deadline the host gave it. A run of
    /// <see cref="SupervisionOptions.MaxCallTimeouts"/> makes the process suspect, and it is checked at once: one
    /// that does not answer is hung; one that does is alive, only slow (a loaded machine, a slow call), and serves on.
    /// </summary>
    public void CallTimedOut(PluginProcess process)
    {
        if (Volatile.Read(ref _current) is { } current && current.Process == process &&
            Interlocked.Increment(ref current.CallTimeouts) == _options.MaxCallTimeouts)
        {
            _ = ConfirmHungAsync(current);
        }
    }

    /// <summary>Notes that <paramref name="process"/> answered a call: it is alive, and its run of call timeouts is over.</summary>
    public void CallAnswered(PluginProcess process)
    {
        // Read before writing, so calls that all find the count at zero do not all write the same cache line.
        if (Volatile.Read(ref _current) is { } current && current.Process == process && Volatile.Read(ref current.CallTimeouts) != 0)
        {
            Volatile.Write(ref current.CallTimeouts, 0);
        }
    }

    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _current, null) is { } current)
        {
            await current.Process.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var task in new[] { _watch, _liveness })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(false);
            }
        }

        if (State != SupervisorState.Quarantined)
        {
            SetState(SupervisorState.Stopped, null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task WatchAsync(Tracked current, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var process = current.Process;
            try
            {
                await process.WaitForExitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (process.IsStopping || stopping.IsCancellationRequested)
            {
                return;
            }

            // It died on its own (a crash), or was killed because it hung.
            Interlocked.CompareExchange(ref _current, null, current);
            var reason = Volatile.Read(ref current.Failure) is { } hung
                ? $"process {process.ProcessId} {hung}; it was killed"
                : process.ExitReason;
            await process.DisposeAsync().ConfigureAwait(false);
            var next = await RestartAsync(reason, stopping).ConfigureAwait(false);
            if (next is null)
            {
                return;
            }

            current = next;
        }
    }

    /// <summary>
    /// Asks the running process, every <see cref="SupervisionOptions.HealthCheckInterval"/>, whether it is alive. Any
    /// answer will do; no answer within <see cref="SupervisionOptions.HealthCheckTimeout"/> or a broken connection is a
    /// failed check, and <see cref="SupervisionOptions.MaxFailedHealthChecks"/> of them in a row make the process hung.
    /// </summary>
    private async Task CheckLivenessAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.HealthCheckInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                if (Volatile.Read(ref _current) is not { } current)
                {
                    continue;
                }

                var problem = await CheckAsync(current.Process, stopping).ConfigureAwait(false);
                if (problem is null)
                {
                    current.FailedChecks = 0;
                }
                else if (++current.FailedChecks >= _options.MaxFailedHealthChecks && !await ExitsWithinAsync(current.Process, stopping).ConfigureAwait(false))
                {
                    Fail(current, $"failed {current.FailedChecks} health checks in a row ({problem})");
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The supervisor is stopping.
        }
    }

    /// <summary>
    /// Whether a process whose checks failed is exiting on its own: a killed process breaks its connection a moment
    /// before it is seen to exit, and a crash is then told by its exit, not as a hang.
    /// </summary>
    private async Task<bool> ExitsWithinAsync(PluginProcess process, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(_options.HealthCheckTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>One liveness check: <see langword="null"/> when the process answered, else what went wrong.</summary>
    private async Task<string?> CheckAsync(PluginProcess process, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(_options.HealthCheckTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        try
        {
            await process.CheckLivenessAsync(linked.Token).WaitAsync(linked.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested && ex is Grpc.Core.RpcException or OperationCanceledException or ObjectDisposedException)
        {
            return timeout.IsCancellationRequested
                ? $"no answer within {_options.HealthCheckTimeout.TotalMilliseconds:0} ms"
                : ex is Grpc.Core.RpcException rpc ? rpc.Status.Detail : ex.Message;
        }
    }

    private async Task ConfirmHungAsync(Tracked current)
    {
        try
        {
            var problem = await CheckAsync(current.Process, _stopping.Token).ConfigureAwait(false);
            if (problem is null)
            {
                Log.SlowButAlive(_logger, PluginId, current.Process.ProcessId, _options.MaxCallTimeouts);
                Volatile.Write(ref current.CallTimeouts, 0);
            }
            else
            {
                Fail(current, $"ran into its call timeout on {_options.MaxCallTimeouts} calls in a row and did not answer a health check ({problem})");
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The supervisor is stopping.
        }
    }

    /// <summary>Takes a hung process out of rotation at once and kills it; <see cref="WatchAsync"/> sees it exit and restarts it.</summary>
    private void Fail(Tracked current, string reason)
    {
        if (Interlocked.CompareExchange(ref current.Failure, reason, null) is not null)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _current, null, current) == current)
        {
            // So calls that find no process say why; the restart reports itself once the process is gone.
            State = SupervisorState.Restarting;
        }

        Log.Unhealthy(_logger, PluginId, current.Process.ProcessId, reason);

        // SIGKILL ends a stopped (SIGSTOP) or spinning process alike; asking it to shut down would only wait.
        current.Process.Kill();
    }

    /// <summary>Records the failure and starts the process again after the backoff, until it runs or is quarantined.</summary>
    private async Task<Tracked?> RestartAsync(string reason, CancellationToken stopping)
    {
        while (true)
        {
            var failures = Record(reason);
            if (failures >= _options.MaxFailures)
            {
                SetState(SupervisorState.Quarantined, $"{_options.MaxFailures} failures within {_options.FailureWindow.TotalSeconds:0.#} s; last: {reason}");
                return null;
            }

            // A process that crashes right after each start backs off as one that fails to start does.
            var delay = Backoff(failures);
            SetState(SupervisorState.Restarting, $"{reason}; restarting in {delay.TotalMilliseconds:0} ms");
            try
            {
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                var process = new Tracked(await _start(stopping).ConfigureAwait(false));
                Volatile.Write(ref _current, process);
                SetState(SupervisorState.Running, "restarted");
                return process;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return null;
            }
            catch (PluginStartException ex) when (ex.Code == PluginStartException.StoreCopyChanged)
            {
                // Trying again cannot help: nothing runs from a store copy that changed.
                Record(ex.Message);
                SetState(SupervisorState.Quarantined, ex.Message);
                return null;
            }
            catch (PluginStartException ex)
            {
                reason = ex.Message;
            }
        }
    }

    /// <summary>Records a failure; returns how many failures the failure window now holds, this one included.</summary>
    private int Record(string reason)
    {
        var now = _time.GetUtcNow();
        lock (_sync)
        {
            _failures.Add((now, reason));
            return _failures.Count(f => now - f.At <= _options.FailureWindow);
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var exponential = _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = Math.Min(exponential, _options.MaxBackoff.TotalMilliseconds);
        var jitter = 1 + ((Random.Shared.NextDouble() * 2) - 1) * _options.Jitter;
        return TimeSpan.FromMilliseconds(capped * jitter);
    }

    private void SetState(SupervisorState state, string? reason)
    {
        State = state;
        if (state is SupervisorState.Quarantined or SupervisorState.Restarting)
        {
            _logger.LogWarning("Plugin {PluginId}: {State} {Reason}", PluginId, state, reason);
        }

        StateChanged?.Invoke(this, (state, reason));
    }

    /// <summary>The running process and what liveness knows of it.</summary>
    private sealed class Tracked(PluginProcess process)
    {
        public int CallTimeouts;

        /// <summary>Consecutive failed liveness checks; only the liveness loop touches it.</summary>
        public int FailedChecks;

        /// <summary>Why the process was found hung and killed, once it was.</summary>
        public string? Failure;

        public PluginProcess Process { get; } = process;
    }

    private static partial class Log
    {
        [LoggerMessage(1250, LogLevel.Warning, "Plugin {PluginId}: process {ProcessId} {Reason}; taking it out of rotation and killing it")]
        public static partial void Unhealthy(ILogger logger, string pluginId, int processId, string reason);

        [LoggerMessage(1251, LogLevel.Warning, "Plugin {PluginId}: process {ProcessId} ran into its call timeout on {Count} calls in a row but answers its health check: it is slow, not hung, and serves on")]
        public static partial void SlowButAlive(ILogger logger, string pluginId, int processId, int count);
    }
}
