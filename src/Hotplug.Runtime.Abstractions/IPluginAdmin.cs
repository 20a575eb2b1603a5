namespace Hotplug;

/// <summary>
/// An operator's levers on a running host: look at the sources now, and allow a rollback. For tools and admin APIs
/// (<c>hotplug rollback</c>, the admin API's <c>rollback</c>); resolve it from the host's services, beside
/// <see cref="IPluginHost"/>.
/// </summary>
public interface IPluginAdmin
{
    /// <summary>
    /// Scans the sources now and reconciles every plugin against what they describe, returning when the pass
    /// is done. The host also does this on file system events and on a timer.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait (not the pass).</param>
    /// <returns>A task that completes when a full pass that started after this call has finished, with what it set going (stagings, then starts).</returns>
    /// <exception cref="InvalidOperationException">The host has not been started.</exception>
    Task RescanAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Lets the plugin go down to exactly <paramref name="version"/> once, although the host has run a higher
    /// version: an operator's rollback. The host looks at the plugin's source again at once.
    /// </summary>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="version">The lower version to allow.</param>
    /// <exception cref="ArgumentException"><paramref name="pluginId"/> is not a valid plugin id, or <paramref name="version"/> not a semantic version.</exception>
    /// <exception cref="InvalidOperationException">The host has not been started.</exception>
    void AllowDowngrade(string pluginId, string version);
}
