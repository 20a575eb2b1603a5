namespace Hotplug.Routing;

/// <summary>
/// Counts the calls in flight on one plugin version and lets the host retire it and wait for them to finish.
/// </summary>
/// <remarks>
/// Entering is an interlocked increment followed by a read of <see cref="_retired"/>; retiring is a write of
/// <see cref="_retired"/> followed by a full fence and a read of the count. Both sides fence between their
/// write and their read, so either the caller sees the version retired and backs off, or the host sees the
/// call and waits for it (the store-load pattern of Dekker's algorithm).
/// </remarks>
internal sealed class CallGate
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _inFlight;
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

    public long InFlight => Volatile.Read(ref _inFlight);

    public bool IsRetired => _retired;

    /// <summary>Counts a call in, unless the version was retired.</summary>
    public bool TryEnter()
    {
        Interlocked.Increment(ref _inFlight);
        if (!_retired)
        {
            return true;
        }

        Exit();
        return false;
    }

    /// <summary>Counts a call out.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _retired)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>
    /// Stops new calls from entering and waits until the calls in flight have finished or
    /// <paramref name="timeout"/> has passed. The caller must already have pointed every route elsewhere.
    /// </summary>
    /// <returns><see langword="true"/> when every call finished; <see langword="false"/> on timeout.</returns>
    public async Task<bool> RetireAndDrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _retired = true;
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _inFlight) == 0)
        {
            return true;
        }

        try
        {
            await _drained.Task.WaitAsync(timeout, TimeProvider, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return Volatile.Read(ref _inFlight) == 0;
        }
    }

    public Exception Fault(Exception exception, string method, CancellationToken cancellationToken)
    {
        // A call cancelled by its own caller is not the plugin's failure: let the cancellation through as is.
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return exception;
        }

        return new PluginInvocationException(PluginId, Version, method, exception);
    }
}
