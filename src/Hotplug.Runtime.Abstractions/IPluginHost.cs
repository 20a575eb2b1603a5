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
    /// Raised after a plugin version changes state, or the plugin goes offline. Handlers run on the host's reconcile,
    /// start and health threads, one change at a time per plugin: keep them short and do not block.
    /// </summary>
    event EventHandler<PluginStateChange>? StateChanged;
}
