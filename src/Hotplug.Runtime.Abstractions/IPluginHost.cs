namespace Hotplug;

/// <summary>
/// The host's face to the application: get a plugin by id and contract, see what runs, and hear of changes.
/// </summary>
/// <remarks>
/// What only tools and runtimes need is served apart, from the same container: calls by name
/// (<see cref="IPluginInvoker"/>), rescans and rollbacks (<see cref="IPluginAdmin"/>), and the slots runtimes route
/// through (<see cref="Routing.IPluginSlots"/>).
/// </remarks>
public interface IPluginHost
{
    /// <summary>
    /// Gets a router for the plugin <paramref name="pluginId"/> through the contract <typeparamref name="TContract"/>.
    /// </summary>
    /// <typeparam name="TContract">An interface marked with <see cref="PluginContractAttribute"/>.</typeparam>
    /// <param name="pluginId">The plugin id from its manifest.</param>
    /// <returns>
    /// A router that always reaches the active version of the plugin. It may be kept for the life of the
    /// application. Calls made while no version is active throw <see cref="PluginUnavailableException"/>.
    /// </returns>
    /// <exception cref="PluginException">
    /// <typeparamref name="TContract"/> is not a plugin contract, or no router was generated for it.
    /// </exception>
    TContract Get<TContract>(string pluginId) where TContract : class;

    /// <summary>Gets a snapshot of every plugin the host knows, ordered by id.</summary>
    /// <returns>The snapshot.</returns>
    IReadOnlyList<PluginStatus> GetPlugins();

    /// <summary>Gets a snapshot of one plugin.</summary>
    /// <param name="pluginId">The plugin id.</param>
    /// <returns>The snapshot, or <see langword="null"/> when the host does not know the plugin.</returns>
    PluginStatus? GetPlugin(string pluginId);

    /// <summary>
    /// Waits until every plugin the host found in its first scan of the plugins folder has settled its first
    /// version: it serves, or it failed to start, or its package was rejected. A service awaits it before it takes
    /// traffic, so that its first calls do not meet <see cref="PluginUnavailableException"/>.
    /// </summary>
    /// <remarks>
    /// It reports, it does not judge: a plugin that failed or was rejected does not make it throw or wait longer;
    /// <see cref="GetPlugins"/> then says which plugins do not serve, and why. Plugins added to the folder after the
    /// first scan are not waited for. It may be awaited before the host has started; a host that stops (or fails to
    /// start) before its plugins are loaded cancels it.
    /// </remarks>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the first scan's plugins have settled.</returns>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled, or the host stopped or failed to start before its plugins were loaded.
    /// </exception>
    Task WaitUntilLoadedAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Raised after a plugin version changes state, or the plugin goes offline. Handlers run on the host's reconcile,
    /// start and health threads, one change at a time per plugin: keep them short and do not block.
    /// </summary>
    event EventHandler<PluginStateChange>? StateChanged;
}
