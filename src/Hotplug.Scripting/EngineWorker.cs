namespace Hotplug.Scripting;

/// <summary>An engine in a pool, with the deadline its calls run under (reset and reused, not made per call).</summary>
internal sealed class EngineWorker(IScriptEngine engine) : IDisposable
{
    private CancellationTokenSource _deadline = new();

    public IScriptEngine Engine { get; } = engine;

    public bool IsUsable => Engine.IsUsable;

    /// <summary>Starts a call's deadline.</summary>
    /// <returns>The token the engine runs the call under: cancelled at <paramref name="timeout"/>.</returns>
    public CancellationToken Begin(TimeSpan timeout)
    {
        _deadline.CancelAfter(timeout);
        return _deadline.Token;
    }

    /// <summary>Gets whether the call's deadline has passed.</summary>
    public bool DeadlinePassed => _deadline.IsCancellationRequested;

    /// <summary>Ends a call's deadline; a deadline that fired is replaced for the next call.</summary>
    public void End()
    {
        if (!_deadline.TryReset())
        {
            _deadline.Dispose();
            _deadline = new CancellationTokenSource();
        }
    }

    /// <summary>Cancels the current call's deadline now (its caller cancelled).</summary>
    public void Interrupt() => _deadline.Cancel();

    public void Dispose()
    {
        _deadline.Dispose();
        Engine.Dispose();
    }
}
