namespace Hotplug.Process;

/// <summary>
/// A plugin process could not be started: it exited, printed something other than its handshake, was too slow, or
/// was refused (<see cref="ProcessErrors"/>).
/// </summary>
public sealed class PluginStartException : PluginException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, naming the plugin and what it printed.</param>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="innerException">The cause, if any.</param>
    public PluginStartException(string message, string pluginId, Exception? innerException = null)
        : base(message, pluginId, null, innerException)
    {
    }

    /// <summary>Creates the exception for a refusal that has a code in <c>docs/errors.md</c>.</summary>
    /// <param name="code">The error code (<c>HP12xx</c>, or the package error that stopped a restart); it starts the message.</param>
    /// <param name="message">What went wrong and what to do, naming the plugin.</param>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="innerException">The cause, if any.</param>
    public PluginStartException(string code, string message, string pluginId, Exception? innerException = null)
        : base($"{code}: {message}", pluginId, null, innerException)
    {
        Code = code;
    }

    /// <summary>Gets the error code, such as <c>HP1200</c>, when the refusal has one.</summary>
    /// <value><see langword="null"/> for failures of the plugin itself (it exited, was too slow, printed something else).</value>
    public string? Code { get; }
}
