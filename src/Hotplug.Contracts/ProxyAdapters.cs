using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Hotplug.Contracts;

/// <summary>
/// Turns what an <see cref="IOperationInvoker"/> hands back into what a contract method returns, and a typed stream
/// argument into the items an invoker sends. Written once, used by the proxy made at run time and by the proxies
/// the source generator emits. Used by generated code; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ProxyAdapters
{
    /// <summary>A <see cref="System.Threading.Tasks.Task"/> result.</summary>
    /// <param name="pending">The invoker's result.</param>
    /// <returns>The task.</returns>
    public static Task Task(ValueTask<object?> pending) =>
        pending.IsCompletedSuccessfully ? System.Threading.Tasks.Task.CompletedTask : pending.AsTask();

    /// <summary>A <see cref="Task{TResult}"/> result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="pending">The invoker's result.</param>
    /// <returns>The task.</returns>
    public static Task<T> TaskOf<T>(ValueTask<object?> pending) =>
        pending.IsCompletedSuccessfully ? System.Threading.Tasks.Task.FromResult((T)pending.Result!) : AwaitAsync<T>(pending);

    /// <summary>A <see cref="System.Threading.Tasks.ValueTask"/> result.</summary>
    /// <param name="pending">The invoker's result.</param>
    /// <returns>The task.</returns>
    public static ValueTask ValueTask(ValueTask<object?> pending) =>
        pending.IsCompletedSuccessfully ? default : new ValueTask(pending.AsTask());

    /// <summary>A <see cref="ValueTask{TResult}"/> result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="pending">The invoker's result.</param>
    /// <returns>The task.</returns>
    public static ValueTask<T> ValueTaskOf<T>(ValueTask<object?> pending) =>
        pending.IsCompletedSuccessfully ? new ValueTask<T>((T)pending.Result!) : new ValueTask<T>(AwaitAsync<T>(pending));

    /// <summary>A result returned synchronously: waits for the invoker.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="pending">The invoker's result.</param>
    /// <returns>The result.</returns>
    public static T Sync<T>(ValueTask<object?> pending) =>
        (T)(pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult())!;

    /// <summary>No result: waits for the invoker.</summary>
    /// <param name="pending">The invoker's result.</param>
    public static void Void(ValueTask<object?> pending)
    {
        if (pending.IsCompleted)
        {
            _ = pending.Result;
        }
        else
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>An <see cref="IAsyncEnumerable{T}"/> result.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The invoker's items.</param>
    /// <returns>The stream.</returns>
    public static IAsyncEnumerable<T> Stream<T>(IAsyncEnumerable<object?> items)
    {
        ArgumentNullException.ThrowIfNull(items);

        // An invoker that hands back the implementation's own stream (a dispatcher in the same process) needs no copy.
        return items as IAsyncEnumerable<T> ?? CastAsync<T>(items);
    }

    /// <summary>The items of an <see cref="IAsyncEnumerable{T}"/> argument, as an invoker takes them.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The argument.</param>
    /// <param name="parameter">The parameter's name, for the error when it is <see langword="null"/>.</param>
    /// <returns>The items.</returns>
    public static IAsyncEnumerable<object?> Input<T>(IAsyncEnumerable<T> items, string parameter)
    {
        ArgumentNullException.ThrowIfNull(items, parameter);
        return items as IAsyncEnumerable<object?> ?? BoxAsync(items);
    }

    internal static async IAsyncEnumerable<T> CastAsync<T>(IAsyncEnumerable<object?> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return (T)item!;
        }
    }

    internal static async IAsyncEnumerable<object?> BoxAsync<T>(IAsyncEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    private static async Task<T> AwaitAsync<T>(ValueTask<object?> pending) => (T)(await pending.ConfigureAwait(false))!;
}
