namespace Hotplug.Contracts;

/// <summary>
/// Carries out a contract's operations by name and values: what a runtime that has no object implementing the
/// contract supplies (a process over gRPC, a script, a bus), and what <see cref="ContractProxy"/> turns back into
/// the interface. <see cref="OperationDispatcher"/> is the one over an object that does implement it.
/// </summary>
/// <remarks>
/// <para>
/// The values are the operation's <see cref="OperationDescriptor.Parameters"/>, in order, the cancellation token
/// left out. A parameter that streams (<see cref="OperationDescriptor.StreamsInput"/>) is given as an
/// <see cref="IAsyncEnumerable{T}"/> of <see cref="object"/>: its items, as the caller produces them.
/// </para>
/// <para>
/// Operations that produce one result (<see cref="OperationKind.Unary"/>, <see cref="OperationKind.ClientStream"/>)
/// go to <see cref="InvokeAsync"/>; those that produce a stream (<see cref="OperationKind.ServerStream"/>,
/// <see cref="OperationKind.DuplexStream"/>) to <see cref="InvokeStreamAsync"/>. Failures are thrown as the caller
/// of the contract should see them.
/// </para>
/// </remarks>
public interface IOperationInvoker
{
    /// <summary>Carries out an operation that produces one result.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="values">Its values, in the order of <see cref="OperationDescriptor.Parameters"/>.</param>
    /// <param name="cancellationToken">The call's cancellation.</param>
    /// <returns>The result, of <see cref="OperationDescriptor.ResultType"/>; <see langword="null"/> for an operation without one.</returns>
    ValueTask<object?> InvokeAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken);

    /// <summary>Carries out an operation that produces a stream.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="values">Its values, in the order of <see cref="OperationDescriptor.Parameters"/>.</param>
    /// <param name="cancellationToken">The call's cancellation; the token given to the enumerator cancels it too.</param>
    /// <returns>The items, of <see cref="OperationDescriptor.ResultType"/>.</returns>
    IAsyncEnumerable<object?> InvokeStreamAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken);
}
