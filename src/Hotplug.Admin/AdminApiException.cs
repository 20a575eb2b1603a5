namespace Hotplug.Admin;

/// <summary>An error from the admin API, with its stable code.</summary>
public sealed class AdminApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">The error code, such as <c>plugin_unavailable</c>.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="status">The HTTP status, or 0 when no host answered.</param>
    public AdminApiException(string code, string message, int status)
        : base(message)
    {
        Code = code;
        Status = status;
    }

    /// <summary>Gets the error code.</summary>
    public string Code { get; }

    /// <summary>Gets the HTTP status, or 0 when no host answered.</summary>
    public int Status { get; }
}
