namespace Hotplug.Contracts;

/// <summary>An interface is not a plugin contract: a member breaks a contract rule; the message names it and says what to do.</summary>
public sealed class InvalidContractException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="contract">The interface.</param>
    /// <param name="member">The member that breaks the rule, or <see langword="null"/> when the interface itself does.</param>
    /// <param name="message">What is wrong and what to do.</param>
    public InvalidContractException(Type contract, string? member, string message)
        : base(message)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ContractType = contract;
        Member = member;
    }

    /// <summary>Gets the interface.</summary>
    public Type ContractType { get; }

    /// <summary>Gets the member that breaks the rule, or <see langword="null"/> when the interface itself does.</summary>
    public string? Member { get; }
}
