namespace Hotplug.Process;

/// <summary>A plugin process could not be started: it exited, printed something other than its handshake, or was too slow.</summary>
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
}
