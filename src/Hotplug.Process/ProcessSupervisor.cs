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
/// Keeps one plugin process running: when it dies on its own, the failure is recorded and the process is
/// started again after an exponential backoff with jitter; after too many failures within a window the plugin
/// is quarantined — not restarted — with the reasons on record. What go-plugin leaves to each application.
/// </summary>
internal sealed class ProcessSupervisor : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<PluginProcess>> _start;
    private readonly SupervisionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<(DateTimeOffset At, string Reason)> _failures = [];
    private readonly object _sync = new();
    private PluginProcess? _current;
    private Task? _watch;
    private int _consecutive;

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

    /// <summary>Gets the running process, or <see langword="null"/> while it restarts or after quarantine.</summary>
    public PluginProcess? Current => Volatile.Read(ref _current);

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
        var process = await _start(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _current, process);
        SetState(SupervisorState.Running, null);
        _watch = Task.Run(() => WatchAsync(process, _stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _current, null) is { } process)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }

        if (_watch is not null)
        {
            await _watch.ConfigureAwait(false);
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

    private async Task WatchAsync(PluginProcess process, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
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

            // It died on its own: a crash.
            Interlocked.CompareExchange(ref _current, null, process);
            var errors = process.RecentErrors;
            var reason = $"exited with code {process.ExitCode}{(errors.Length > 0 ? ": " + errors : string.Empty)}";
            await process.DisposeAsync().ConfigureAwait(false);
            var next = await RestartAsync(reason, stopping).ConfigureAwait(false);
            if (next is null)
            {
                return;
            }

            process = next;
        }
    }

    /// <summary>Records the failure and starts the process again after the backoff, until it runs or is quarantined.</summary>
    private async Task<PluginProcess?> RestartAsync(string reason, CancellationToken stopping)
    {
        while (true)
        {
            if (Record(reason))
            {
                SetState(SupervisorState.Quarantined, $"{_options.MaxFailures} failures within {_options.FailureWindow.TotalSeconds:0.#} s; last: {reason}");
                return null;
            }

            var delay = Backoff(++_consecutive);
            SetState(SupervisorState.Restarting, $"{reason}; restarting in {delay.TotalMilliseconds:0} ms");
            try
            {
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                var process = await _start(stopping).ConfigureAwait(false);
                Volatile.Write(ref _current, process);
                _consecutive = 0;
                SetState(SupervisorState.Running, "restarted");
                return process;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return null;
            }
            catch (PluginStartException ex)
            {
                reason = ex.Message;
            }
        }
    }

    /// <summary>Records a failure; returns whether the plugin must now be quarantined.</summary>
    private bool Record(string reason)
    {
        var now = _time.GetUtcNow();
        lock (_sync)
        {
            _failures.Add((now, reason));
            return _failures.Count(f => now - f.At <= _options.FailureWindow) >= _options.MaxFailures;
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
}
