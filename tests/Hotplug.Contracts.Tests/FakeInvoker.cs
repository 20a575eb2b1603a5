using System.Runtime.CompilerServices;

namespace Hotplug.Contracts.Tests;

/// <summary>An invoker that records each call and answers as the test says.</summary>
internal sealed class FakeInvoker : IOperationInvoker
{
    public List<(OperationDescriptor Operation, object?[] Values, CancellationToken Token)> Calls { get; } = [];

    public Func<OperationDescriptor, object?[], ValueTask<object?>> Answer { get; set; } = (_, _) => new ValueTask<object?>((object?)null);

    public Func<OperationDescriptor, object?[], IAsyncEnumerable<object?>> Stream { get; set; } = (_, _) => Empty();

    public ValueTask<object?> InvokeAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken)
    {
        Calls.Add((operation, values, cancellationToken));
        return Answer(operation, values);
    }

    public IAsyncEnumerable<object?> InvokeStreamAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken)
    {
        Calls.Add((operation, values, cancellationToken));
        return Stream(operation, values);
    }

    public static async IAsyncEnumerable<object?> Items(IEnumerable<object?> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }
    }

    private static async IAsyncEnumerable<object?> Empty()
    {
        await Task.Yield();
        yield break;
    }
}
