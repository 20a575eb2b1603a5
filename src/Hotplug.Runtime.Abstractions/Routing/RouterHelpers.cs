using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Hotplug.Routing;

/// <summary>
/// The slow paths of generated routers: calls that did not complete synchronously, and streams.
/// Used by generated code; not meant to be used directly.
/// </summary>
/// <remarks>
/// The fast path (a call that completes synchronously) stays in the generated router and allocates nothing.
/// A call that goes asynchronous is awaited here under the plugin's call timeout. When the timeout expires
/// the caller is released with <see cref="PluginTimeoutException"/>, but the call stays counted in flight
/// until the plugin's task really ends, so a drain never stops a version under a running call unless the
/// drain timeout expires.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RouterHelpers
{
    /// <summary>Awaits a <see cref="ValueTask{TResult}"/> that did not complete successfully at once.</summary>
    /// <typeparam name="TContract">The contract.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="task">The plugin's task.</param>
    /// <param name="lease">The call's lease; exited here.</param>
    /// <param name="method">The contract method.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The result.</returns>
    public static ValueTask<TResult> AwaitValueTask<TContract, TResult>(ValueTask<TResult> task, CallLease<TContract> lease, string method, CancellationToken cancellationToken)
        where TContract : class =>
        new(AwaitCore(task.AsTask(), lease.Gate, method, cancellationToken));

    /// <summary>Awaits a <see cref="ValueTask"/> that did not complete successfully at once.</summary>
    /// <typeparam name="TContract">The contract.</typeparam>
    /// <param name="task">The plugin's task.</param>
    /// <param name="lease">The call's lease; exited here.</param>
    /// <param name="method">The contract method.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>A task for the call.</returns>
    public static ValueTask AwaitValueTask<TContract>(ValueTask task, CallLease<TContract> lease, string method, CancellationToken cancellationToken)
        where TContract : class =>
        new(AwaitCore(task.AsTask(), lease.Gate, method, cancellationToken));

    /// <summary>Awaits a <see cref="Task{TResult}"/> that did not complete successfully at once.</summary>
    /// <typeparam name="TContract">The contract.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="task">The plugin's task.</param>
    /// <param name="lease">The call's lease; exited here.</param>
    /// <param name="method">The contract method.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The result.</returns>
    public static Task<TResult> AwaitTask<TContract, TResult>(Task<TResult> task, CallLease<TContract> lease, string method, CancellationToken cancellationToken)
        where TContract : class =>
        AwaitCore(task, lease.Gate, method, cancellationToken);

    /// <summary>Awaits a <see cref="Task"/> that did not complete successfully at once.</summary>
    /// <typeparam name="TContract">The contract.</typeparam>
    /// <param name="task">The plugin's task.</param>
    /// <param name="lease">The call's lease; exited here.</param>
    /// <param name="method">The contract method.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>A task for the call.</returns>
    public static Task AwaitTask<TContract>(Task task, CallLease<TContract> lease, string method, CancellationToken cancellationToken)
        where TContract : class =>
        AwaitCore(task, lease.Gate, method, cancellationToken);

    /// <summary>
    /// Routes a stream: enters a call on the active version when enumeration starts and exits it when the
    /// enumerator is disposed.
    /// </summary>
    /// <typeparam name="TContract">The contract.</typeparam>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="slot">The slot to enter.</param>
    /// <param name="open">Calls the contract method on the target with the enumeration's token.</param>
    /// <param name="method">The contract method.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The routed stream.</returns>
    public static IAsyncEnumerable<TItem> Stream<TContract, TItem>(
        ContractSlot<TContract> slot,
        Func<TContract, CancellationToken, IAsyncEnumerable<TItem>> open,
        string method,
        CancellationToken cancellationToken)
        where TContract : class =>
        StreamCore(slot, open, method, cancellationToken);

    internal static async Task<TResult> AwaitCore<TResult>(Task<TResult> task, CallGate gate, string method, CancellationToken cancellationToken)
    {
        var exitLater = false;
        try
        {
            if (task.IsCompleted || (gate.CallTimeout == Timeout.InfiniteTimeSpan && !cancellationToken.CanBeCanceled))
            {
                return await task.ConfigureAwait(false);
            }

            // Bounded by the call timeout, and the caller is released when it cancels even if the plugin ignores the token.
            return await task.WaitAsync(gate.CallTimeout, gate.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            exitLater = true;
            ExitWhenDone(task, gate);
            throw new PluginTimeoutException(gate.PluginId, gate.Version, method, gate.CallTimeout);
        }
        catch (OperationCanceledException) when (!task.IsCompleted && cancellationToken.IsCancellationRequested)
        {
            exitLater = true;
            ExitWhenDone(task, gate);
            throw;
        }
        catch (Exception ex)
        {
            throw gate.Fault(ex, method, cancellationToken);
        }
        finally
        {
            if (!exitLater)
            {
                gate.Exit();
            }
        }
    }

    internal static async Task AwaitCore(Task task, CallGate gate, string method, CancellationToken cancellationToken)
    {
        var exitLater = false;
        try
        {
            if (task.IsCompleted || (gate.CallTimeout == Timeout.InfiniteTimeSpan && !cancellationToken.CanBeCanceled))
            {
                await task.ConfigureAwait(false);
                return;
            }

            await task.WaitAsync(gate.CallTimeout, gate.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            exitLater = true;
            ExitWhenDone(task, gate);
            throw new PluginTimeoutException(gate.PluginId, gate.Version, method, gate.CallTimeout);
        }
        catch (OperationCanceledException) when (!task.IsCompleted && cancellationToken.IsCancellationRequested)
        {
            exitLater = true;
            ExitWhenDone(task, gate);
            throw;
        }
        catch (Exception ex)
        {
            throw gate.Fault(ex, method, cancellationToken);
        }
        finally
        {
            if (!exitLater)
            {
                gate.Exit();
            }
        }
    }

    private static void ExitWhenDone(Task task, CallGate gate) =>
        task.ContinueWith(
            static (t, state) =>
            {
                _ = t.Exception; // observed: the caller has already been told about the timeout
                ((CallGate)state!).Exit();
            },
            gate,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private static async IAsyncEnumerable<TItem> StreamCore<TContract, TItem>(
        ContractSlot<TContract> slot,
        Func<TContract, CancellationToken, IAsyncEnumerable<TItem>> open,
        string method,
        CancellationToken cancellationToken,
        [EnumeratorCancellation] CancellationToken enumerationToken = default)
        where TContract : class
    {
        using var linked = cancellationToken.CanBeCanceled && enumerationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enumerationToken)
            : null;
        var token = linked?.Token ?? (enumerationToken.CanBeCanceled ? enumerationToken : cancellationToken);

        var lease = slot.Enter();
        try
        {
            IAsyncEnumerator<TItem> enumerator;
            try
            {
                enumerator = open(lease.Target, token).GetAsyncEnumerator(token);
            }
            catch (Exception ex)
            {
                throw lease.Fault(ex, method, token);
            }

            await using (enumerator.ConfigureAwait(false))
            {
                while (true)
                {
                    bool hasItem;
                    try
                    {
                        hasItem = await enumerator.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        throw lease.Fault(ex, method, token);
                    }

                    if (!hasItem)
                    {
                        yield break;
                    }

                    yield return enumerator.Current;
                }
            }
        }
        finally
        {
            lease.Exit();
        }
    }
}
