namespace Hotplug;

/// <summary>
/// A call failed because the plugin's process died or is restarting. The host restarts the process (unless
/// it is quarantined); the call is not retried, since it may have had effects.
/// </summary>
/// <remarks>
/// Raised by runtimes that run plugins outside the host's process (such as <c>Hotplug.Process</c>); it lives in
/// <c>Hotplug.Runtime.Abstractions</c>, beside the other plugin errors, so that application code and every face of
/// the host (the admin API, say) can tell a crash from other failures without referencing a runtime package.
/// </remarks>
public sealed class PluginCrashedException : PluginException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="version">The plugin version.</param>
    /// <param name="innerException">The transport error, if any.</param>
    public PluginCrashedException(string message, string pluginId, string? version, Exception? innerException = null)
        : base(message, pluginId, version, innerException)
    {
    }
}
