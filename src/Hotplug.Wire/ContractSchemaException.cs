namespace Hotplug.Wire;

/// <summary>A contract interface cannot be carried over gRPC; the message names the member and why.</summary>
public sealed class ContractSchemaException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="contract">The contract interface.</param>
    /// <param name="message">What is wrong, naming the member.</param>
    public ContractSchemaException(Type contract, string message)
        : this(contract, message, null)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="contract">The contract interface.</param>
    /// <param name="message">What is wrong, naming the member.</param>
    /// <param name="innerException">The contract rule it breaks, if that is why.</param>
    public ContractSchemaException(Type contract, string message, Exception? innerException)
        : base($"Contract {contract?.FullName} cannot go over gRPC: {message}", innerException)
    {
        ContractType = contract!;
    }

    /// <summary>Gets the contract interface.</summary>
    public Type ContractType { get; }
}
