namespace Hotplug.Contracts.Json;

/// <summary>A call by name cannot be made as asked: no such operation, or its arguments do not fit; the message says which and what is expected.</summary>
public sealed class OperationArgumentException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    public OperationArgumentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">What the JSON serializer threw.</param>
    public OperationArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
