namespace Hotplug.Routing;

/// <summary>
/// The slots calls reach a plugin's active version through, for runtime packages that route something other than a
/// contract — such as a gRPC call invoker for a process plugin's generated clients. Resolve it from the host's
/// services; application code uses <c>IPluginHost.Get&lt;TContract&gt;()</c>.
/// </summary>
public interface IPluginSlots
{
    /// <summary>
    /// Gets the slot through which calls reach the service <typeparamref name="TService"/> of the plugin's active
    /// version, counted in flight like routed calls, drained on upgrade and offline, and rebound to each new version.
    /// </summary>
    /// <typeparam name="TService">What the runtime's plugin version provides through <c>IPluginVersion.GetContract</c>.</typeparam>
    /// <param name="pluginId">The plugin id.</param>
    /// <returns>The slot, which may be kept for the life of the application.</returns>
    ContractSlot<TService> GetSlot<TService>(string pluginId) where TService : class;
}
