using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;

namespace Hotplug.Contracts;

/// <summary>
/// The typed pieces of one operation, made once per operation: awaiting what an implementation returned, its
/// streams as items, and the proxy's return value. The source generator makes them with
/// <see cref="Create{TResult, TItem}"/>; otherwise they are made by reflection. Used by generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class OperationAdapter
{
    private protected OperationAdapter()
    {
    }

    /// <summary>Makes the adapter of an operation.</summary>
    /// <typeparam name="TResult">The operation's result or item type; <see cref="object"/> when it has none.</typeparam>
    /// <typeparam name="TItem">The item type of its stream parameter; <see cref="object"/> when it has none.</typeparam>
    /// <param name="shape">What the method returns.</param>
    /// <returns>The adapter.</returns>
    public static OperationAdapter Create<TResult, TItem>(ResultShape shape) => new OperationAdapter<TResult, TItem>(shape);

    /// <summary>Awaits what the implementation returned (a task, a value, nothing) into the result.</summary>
    internal abstract ValueTask<object?> AwaitResult(OperationDescriptor operation, object? returned);

    /// <summary>Reads the stream the implementation returned as items.</summary>
    internal abstract IAsyncEnumerable<object?> ReadItems(OperationDescriptor operation, object? returned);

    /// <summary>Turns the items of a stream parameter into the <see cref="IAsyncEnumerable{T}"/> the implementation takes.</summary>
    internal abstract object TypedInput(IAsyncEnumerable<object?> items);

    /// <summary>Turns the <see cref="IAsyncEnumerable{T}"/> argument a caller passed into items.</summary>
    internal abstract IAsyncEnumerable<object?> ObjectInput(OperationDescriptor operation, object? argument);

    /// <summary>Turns an invoker's result into what the method returns.</summary>
    internal abstract object? ProxyResult(ValueTask<object?> pending);

    /// <summary>Turns an invoker's items into the <see cref="IAsyncEnumerable{T}"/> the method returns.</summary>
    internal abstract object ProxyStream(IAsyncEnumerable<object?> items);

    [RequiresDynamicCode("Adapters of operations without generated code are made for their types at run time.")]
    internal static OperationAdapter CreateFor(OperationDescriptor operation)
    {
        var item = operation.StreamsInput ? operation.Parameters[0].ItemType! : typeof(object);
        var type = typeof(OperationAdapter<,>).MakeGenericType(operation.ResultType ?? typeof(object), item);
        return (OperationAdapter)Activator.CreateInstance(type, operation.ResultShape)!;
    }
}

/// <summary>The adapter of an operation whose result (or items) are <typeparamref name="TResult"/> and whose stream parameter's items are <typeparamref name="TItem"/>.</summary>
internal sealed class OperationAdapter<TResult, TItem>(ResultShape shape) : OperationAdapter
{
    internal override ValueTask<object?> AwaitResult(OperationDescriptor operation, object? returned)
    {
        switch (shape)
        {
            case ResultShape.Void:
                return default;
            case ResultShape.Sync:
                return new ValueTask<object?>(returned);
            case ResultShape.Task:
                var task = (Task)(returned ?? throw NoTask(operation));
                return task.IsCompletedSuccessfully ? default : AwaitAsync(task);
            case ResultShape.TaskOfT:
                var taskOfT = (Task<TResult>)(returned ?? throw NoTask(operation));
                return taskOfT.IsCompletedSuccessfully ? new ValueTask<object?>(taskOfT.Result) : AwaitAsync(taskOfT);
            case ResultShape.ValueTask:
                var valueTask = (ValueTask)(returned ?? throw NoTask(operation));
                return valueTask.IsCompletedSuccessfully ? default : AwaitAsync(valueTask);
            case ResultShape.ValueTaskOfT:
                var valueTaskOfT = (ValueTask<TResult>)(returned ?? throw NoTask(operation));
                return valueTaskOfT.IsCompletedSuccessfully ? new ValueTask<object?>(valueTaskOfT.Result) : AwaitAsync(valueTaskOfT);
            default:
                throw new InvalidOperationException($"{operation} returns a stream: read its items instead.");
        }
    }

    internal override IAsyncEnumerable<object?> ReadItems(OperationDescriptor operation, object? returned)
    {
        if (returned is not IAsyncEnumerable<TResult> stream)
        {
            throw new InvalidOperationException($"{operation.Method.Name} returned null instead of a stream.");
        }

        return stream as IAsyncEnumerable<object?> ?? ProxyAdapters.BoxAsync(stream);
    }

    internal override object TypedInput(IAsyncEnumerable<object?> items) => items as IAsyncEnumerable<TItem> ?? ProxyAdapters.CastAsync<TItem>(items);

    internal override IAsyncEnumerable<object?> ObjectInput(OperationDescriptor operation, object? argument) =>
        ProxyAdapters.Input((IAsyncEnumerable<TItem>)argument!, operation.Parameters[0].Name);

    internal override object? ProxyResult(ValueTask<object?> pending)
    {
        switch (shape)
        {
            case ResultShape.Void:
                ProxyAdapters.Void(pending);
                return null;
            case ResultShape.Sync:
                return ProxyAdapters.Sync<TResult>(pending);
            case ResultShape.Task:
                return ProxyAdapters.Task(pending);
            case ResultShape.TaskOfT:
                return ProxyAdapters.TaskOf<TResult>(pending);
            case ResultShape.ValueTask:
                return ProxyAdapters.ValueTask(pending);
            default:
                return ProxyAdapters.ValueTaskOf<TResult>(pending);
        }
    }

    internal override object ProxyStream(IAsyncEnumerable<object?> items) => ProxyAdapters.Stream<TResult>(items);

    private static InvalidOperationException NoTask(OperationDescriptor operation) => new($"{operation.Method.Name} returned null instead of a task.");

    private static async ValueTask<object?> AwaitAsync(Task task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    private static async ValueTask<object?> AwaitAsync(Task<TResult> task) => await task.ConfigureAwait(false);

    private static async ValueTask<object?> AwaitAsync(ValueTask task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    private static async ValueTask<object?> AwaitAsync(ValueTask<TResult> task) => await task.ConfigureAwait(false);
}
