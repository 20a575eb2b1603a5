using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Hotplug.Contracts;

/// <summary>
/// One operation of a contract: a method of the interface, how it exchanges messages, the values it takes and the
/// value it produces. The same for every runtime: what a proxy sends to an <see cref="IOperationInvoker"/>, what a
/// dispatcher calls an implementation with, and what a codec encodes.
/// </summary>
public sealed class OperationDescriptor
{
    private readonly GeneratedOperation? _generated;
    private OperationAdapter? _adapter;
    private Func<object, object?[], CancellationToken, object?>? _call;

    internal OperationDescriptor(ContractDescriptor contract, int index, MethodInfo method, ResultShape shape, Type? resultType, NullabilityState resultNullability, OperationParameter[] parameters, int tokenIndex, GeneratedOperation? generated)
    {
        Contract = contract;
        Index = index;
        Method = method;
        Name = ContractRules.OperationName(method.Name);
        ResultShape = shape;
        ResultType = resultType;
        ResultNullability = resultNullability;
        Parameters = parameters;
        TokenIndex = tokenIndex;
        ArgumentCount = parameters.Length + (tokenIndex >= 0 ? 1 : 0);
        Kind = ContractRules.KindOf(shape, parameters.Length > 0 && parameters[0].IsStream);
        _generated = generated;
    }

    /// <summary>Gets the contract the operation belongs to.</summary>
    public ContractDescriptor Contract { get; }

    /// <summary>Gets the operation's place in <see cref="ContractDescriptor.Operations"/>.</summary>
    public int Index { get; }

    /// <summary>Gets the interface method.</summary>
    public MethodInfo Method { get; }

    /// <summary>Gets the operation's name: the method's without its <c>Async</c> suffix, such as <c>Rank</c> for <c>RankAsync</c>.</summary>
    public string Name { get; }

    /// <summary>Gets how the operation exchanges messages.</summary>
    public OperationKind Kind { get; }

    /// <summary>Gets what the method returns.</summary>
    public ResultShape ResultShape { get; }

    /// <summary>
    /// Gets the type of the value the operation produces: the <c>T</c> of <see cref="Task{TResult}"/> or
    /// <see cref="ValueTask{TResult}"/>, a synchronous result's type, or a stream's item type; <see langword="null"/>
    /// for <c>void</c>, <see cref="Task"/> and <see cref="ValueTask"/>.
    /// </summary>
    public Type? ResultType { get; }

    /// <summary>Gets whether the value the operation produces (each item, for a stream) may be <see langword="null"/>.</summary>
    public NullabilityState ResultNullability { get; }

    /// <summary>Gets the values the operation is called with, in order: every parameter but the cancellation token.</summary>
    public IReadOnlyList<OperationParameter> Parameters { get; }

    /// <summary>Gets the position of the <see cref="CancellationToken"/> parameter in the method's signature, or -1.</summary>
    public int TokenIndex { get; }

    /// <summary>Gets the number of the method's parameters, the cancellation token counted.</summary>
    public int ArgumentCount { get; }

    /// <summary>Gets whether the operation sends a stream of items (client or duplex stream).</summary>
    public bool StreamsInput => Kind is OperationKind.ClientStream or OperationKind.DuplexStream;

    /// <summary>Gets whether the operation produces a stream of items (server or duplex stream).</summary>
    public bool StreamsOutput => Kind is OperationKind.ServerStream or OperationKind.DuplexStream;

    /// <summary>Gets the typed pieces of the operation (awaiting, streams, proxy results), made once.</summary>
    internal OperationAdapter Adapter => _adapter ??= _generated?.Adapter ?? CreateAdapter();

    /// <summary>Gets what calls an implementation's method with the operation's values, made once.</summary>
    internal Func<object, object?[], CancellationToken, object?> Call => _call ??= _generated?.Call ?? CreateCall();

    /// <inheritdoc />
    public override string ToString() => $"{Contract.ContractType.Name}.{Method.Name}";

    // Descriptors are made only by ContractDescriptor.For, which says it needs both (or from generated code, which brings its own).
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reached only through ContractDescriptor.For, which requires dynamic code.")]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reached only through ContractDescriptor.For, which requires unreferenced code.")]
    private OperationAdapter CreateAdapter() => OperationAdapter.CreateFor(this);

    private Func<object, object?[], CancellationToken, object?> CreateCall()
    {
        var invoker = MethodInvoker.Create(Method);
        if (TokenIndex < 0)
        {
            // The values are the arguments, in order.
            return (target, values, _) => invoker.Invoke(target, values.AsSpan());
        }

        var count = ArgumentCount;
        var token = TokenIndex;
        var positions = Parameters.Select(p => p.Position).ToArray();
        return (target, values, cancellationToken) =>
        {
            var arguments = new object?[count];
            for (var i = 0; i < positions.Length; i++)
            {
                arguments[positions[i]] = values[i];
            }

            arguments[token] = cancellationToken;
            return invoker.Invoke(target, arguments.AsSpan());
        };
    }
}
