using System.Text.Json;
using Hotplug.Routing;

namespace Hotplug.Invocation;

/// <summary>
/// One stream method called by name: pulls the items, as JSON, one at a time from what the version's runtime
/// answered, as the caller asks for them. Nothing is read ahead, so a slow caller slows the plugin down instead of filling memory.
/// </summary>
/// <remarks>
/// <para>
/// The plugin's call timeout bounds the whole call, from the first item to the last: when it expires the
/// plugin's token is cancelled and the caller gets <see cref="PluginTimeoutException"/>, even from a plugin
/// that ignores its token. A caller that cancels (an HTTP client that went away) cancels the plugin's token too.
/// </para>
/// <para>
/// The call holds its version's gate from start to end, like a routed call. A call the caller leaves while the
/// plugin is still producing an item stays counted in flight until that item ends and the plugin's enumerator
/// is disposed, so a drain never stops a version under it unless the drain timeout expires (as
/// <see cref="RouterHelpers"/> does for calls that time out).
/// </para>
/// </remarks>
internal sealed class StreamCall : IAsyncDisposable
{
    private readonly CallGate _gate;
    private readonly CancellationTokenSource? _timeout;
    private readonly CancellationTokenSource _plugin;
    private readonly CancellationToken _caller;
    private IAsyncEnumerator<JsonElement>? _enumerator;
    private Task? _abandoned;
    private int _disposed;

    /// <summary>
    /// Starts a call of <paramref name="method"/>. The call owns one entry of <paramref name="gate"/> from here, and exits it when disposed.
    /// </summary>
    public StreamCall(CallGate gate, string method, CancellationToken cancellationToken)
    {
        _gate = gate;
        Method = method;
        _caller = cancellationToken;
        _timeout = gate.CallTimeout == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(gate.CallTimeout, gate.TimeProvider);
        _plugin = _timeout is null
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
    }

    /// <summary>Gets the token the plugin's method and enumerator get: cancelled by the caller or at the call timeout.</summary>
    public CancellationToken PluginToken => _plugin.Token;

    /// <summary>Gets the item <see cref="MoveNextAsync"/> read, as JSON.</summary>
    public JsonElement Current { get; private set; }

    private string Method { get; }

    /// <summary>Opens the stream the runtime answered with.</summary>
    public void Open(IAsyncEnumerable<JsonElement> stream)
    {
        try
        {
            _enumerator = stream.GetAsyncEnumerator(PluginToken);
        }
        catch (Exception ex)
        {
            throw Failure(ex);
        }
    }

    /// <summary>Reads the next item.</summary>
    /// <returns><see langword="false"/> at the end of the stream.</returns>
    /// <exception cref="PluginTimeoutException">The call timeout expired.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    /// <exception cref="PluginException">The plugin failed.</exception>
    public async ValueTask<bool> MoveNextAsync()
    {
        ThrowIfEnded();
        var next = MoveNextCore();
        Task<bool>? waiting = null;
        try
        {
            if (next.IsCompleted)
            {
                return await next.ConfigureAwait(false) && Read();
            }

            // Bounded by the call timeout, and the caller is released when it cancels, even from a plugin that ignores its token.
            waiting = next.AsTask();
            return await waiting.WaitAsync(_plugin.Token).ConfigureAwait(false) && Read();
        }
        catch (Exception ex)
        {
            if (waiting is { IsCompleted: false })
            {
                _abandoned = waiting;
            }

            throw Failure(ex);
        }
    }

    /// <summary>Ends the call: disposes the plugin's enumerator (at once, or when the item it is still producing ends) and exits the gate.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_abandoned is { } abandoned)
        {
            _ = EndWhenDoneAsync(abandoned);
            return;
        }

        try
        {
            await DisposeEnumeratorAsync().ConfigureAwait(false);
        }
        finally
        {
            End();
        }
    }

    private ValueTask<bool> MoveNextCore()
    {
        try
        {
            return _enumerator!.MoveNextAsync();
        }
        catch (Exception ex)
        {
            // A MoveNextAsync that throws instead of returning a faulted task.
            return ValueTask.FromException<bool>(ex);
        }
    }

    private bool Read()
    {
        Current = _enumerator!.Current;
        return true;
    }

    private ValueTask DisposeEnumeratorAsync() => _enumerator?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>Maps what the plugin's enumeration threw to what the caller gets.</summary>
    private Exception Failure(Exception exception)
    {
        if (exception is OperationCanceledException && !_caller.IsCancellationRequested && _timeout is { IsCancellationRequested: true })
        {
            return new PluginTimeoutException(_gate.PluginId, _gate.Version, Method, _gate.CallTimeout);
        }

        return _gate.Fault(exception, Method, _caller);
    }

    private void ThrowIfEnded()
    {
        _caller.ThrowIfCancellationRequested();
        if (_timeout is { IsCancellationRequested: true })
        {
            // The caller held on to the items past the call timeout: the call is over whatever the plugin is doing.
            throw new PluginTimeoutException(_gate.PluginId, _gate.Version, Method, _gate.CallTimeout);
        }
    }

    private async Task EndWhenDoneAsync(Task abandoned)
    {
        try
        {
            // The plugin's token is already cancelled: a plugin that honours it ends soon, one that does not is
            // counted in flight until it ends or its version is stopped after the drain timeout.
            await abandoned.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await DisposeEnumeratorAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The caller has already been told how the call ended; what the plugin throws while ending is not news.
        }
        finally
        {
            End();
        }
    }

    private void End()
    {
        _gate.Exit();
        _plugin.Dispose();
        _timeout?.Dispose();
    }
}
