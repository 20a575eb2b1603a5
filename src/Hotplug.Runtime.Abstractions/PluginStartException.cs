namespace Hotplug;

/// <summary>
/// A plugin version could not be started by its runtime: what runs it exited, printed something unexpected, was
/// too slow, or was refused. Runtimes raise it from <c>IPluginVersion.StartAsync</c> (and when they start a
/// version's code again, such as a restarted process); the host reports its message as the version's failure.
/// </summary>
/// <remarks>
/// Runtime-neutral: the <c>process</c> runtime raises it with its <c>HP12xx</c> codes, and with the package error
/// that stopped a restart (<c>HP1026</c>); other runtimes raise it with codes of their own, or none.
/// </remarks>
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
    /// <param name="code">The error code (such as the process runtime's <c>HP12xx</c>, or the package error that stopped a restart); it starts the message.</param>
    /// <param name="message">What went wrong and what to do, naming the plugin.</param>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="innerException">The cause, if any.</param>
    public PluginStartException(string code, string message, string pluginId, Exception? innerException = null)
        : base($"{code}: {message}", pluginId, null, innerException)
    {
        Code = code;
    }

    /// <summary>
    /// The code of a start refused because the version's store copy no longer holds the files the host verified
    /// (<c>HP1026</c>): trying again cannot help, so a runtime that restarts code gives up on the version.
    /// </summary>
    public const string StoreCopyChanged = "HP1026";

    /// <summary>Gets the error code, such as <c>HP1200</c>, when the refusal has one.</summary>
    /// <value><see langword="null"/> for failures of the plugin itself (it exited, was too slow, printed something else).</value>
    public string? Code { get; }
}
