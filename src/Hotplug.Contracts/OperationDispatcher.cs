namespace Hotplug.Contracts;

/// <summary>
/// Calls an object that implements a contract by operation: the one dispatch every runtime and face shares (a
/// gRPC server, call by name, a script's or a bus's host side). It is an <see cref="IOperationInvoker"/> over the
/// object, so <see cref="ContractProxy"/> over a dispatcher behaves as the object itself.
/// </summary>
/// <remarks>
/// A host that accounts for each call itself (a call gate, a timeout) calls <see cref="Call"/> for what the method
/// returned and adapts it with <see cref="AwaitResultAsync"/> or <see cref="ReadItems"/>; the others use
/// <see cref="InvokeAsync"/> and <see cref="InvokeStreamAsync"/>. Exceptions the implementation throws reach the
/// caller as thrown, not wrapped.
/// </remarks>
public sealed class OperationDispatcher : IOperationInvoker
{
    /// <summary>Creates a dispatcher over an implementation of <paramref name="contract"/>.</summary>
    /// <param name="contract">The contract.</param>
    /// <param name="implementation">An object that implements it.</param>
    /// <exception cref="ArgumentException"><paramref name="implementation"/> does not implement the contract.</exception>
    public OperationDispatcher(ContractDescriptor contract, object implementation)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(implementation);
        if (!contract.ContractType.IsInstanceOfType(implementation))
        {
            throw new ArgumentException($"{implementation.GetType().FullName} does not implement {contract.ContractType.FullName}.", nameof(implementation));
        }

        Contract = contract;
        Implementation = implementation;
    }

    /// <summary>Gets the contract.</summary>
    public ContractDescriptor Contract { get; }

    /// <summary>Gets the implementation.</summary>
    public object Implementation { get; }

    /// <summary>Awaits what an operation's method returned (a task, a value, nothing) into its result.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="returned">What the method returned.</param>
    /// <returns>The result; <see langword="null"/> for an operation without one.</returns>
    /// <exception cref="InvalidOperationException">The operation streams its result, or its method returned <see langword="null"/> for a task.</exception>
    public static ValueTask<object?> AwaitResultAsync(OperationDescriptor operation, object? returned)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.Adapter.AwaitResult(operation, returned);
    }

    /// <summary>Reads the stream an operation's method returned as items.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="returned">What the method returned.</param>
    /// <returns>The items; the token given to the enumerator reaches the implementation's.</returns>
    /// <exception cref="InvalidOperationException">The method returned <see langword="null"/>.</exception>
    public static IAsyncEnumerable<object?> ReadItems(OperationDescriptor operation, object? returned)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.Adapter.ReadItems(operation, returned);
    }

    /// <summary>Calls the operation's method on the implementation.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="values">Its values, in the order of <see cref="OperationDescriptor.Parameters"/>; a stream as an <see cref="IAsyncEnumerable{T}"/> of <see cref="object"/> or of its items' type.</param>
    /// <param name="cancellationToken">The token the method gets.</param>
    /// <returns>What the method returned.</returns>
    public object? Call(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(values);
        if (!ReferenceEquals(operation.Contract, Contract) && operation.Method.DeclaringType?.IsInstanceOfType(Implementation) != true)
        {
            throw new ArgumentException($"{operation} is not an operation of {Contract.ContractType.FullName}.", nameof(operation));
        }

        if (values.Length != operation.Parameters.Count)
        {
            throw new ArgumentException($"{operation} takes {operation.Parameters.Count} values, not {values.Length}.", nameof(values));
        }

        if (operation.StreamsInput && values[0] is IAsyncEnumerable<object?> items)
        {
            values = [operation.Adapter.TypedInput(items)];
        }

        return operation.Call(Implementation, values, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<object?> InvokeAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken) =>
        AwaitResultAsync(operation, Call(operation, values, cancellationToken));

    /// <inheritdoc />
    public IAsyncEnumerable<object?> InvokeStreamAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken) =>
        ReadItems(operation, Call(operation, values, cancellationToken));
}
