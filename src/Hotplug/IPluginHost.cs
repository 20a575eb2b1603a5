using System.Text.Json;

namespace Hotplug;

/// <summary>
/// The host's face to the application: get a plugin by id and contract, inspect what runs, and invoke a
/// plugin method by name.
/// </summary>
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

    /// <summary>
    /// Gets the slot through which calls reach the service <typeparamref name="TService"/> of the plugin's active
    /// version, counted in flight like routed calls. For runtime packages that route something other than a
    /// contract — such as a gRPC call invoker for a process plugin's generated client; application code uses
    /// <see cref="Get{TContract}"/>.
    /// </summary>
    /// <typeparam name="TService">What the runtime's plugin version provides through <c>IPluginVersion.GetContract</c>.</typeparam>
    /// <param name="pluginId">The plugin id.</param>
    /// <returns>The slot, which may be kept for the life of the application.</returns>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Advanced)]
    Routing.ContractSlot<TService> GetSlot<TService>(string pluginId) where TService : class;

    /// <summary>Gets a snapshot of every plugin the host knows, ordered by id.</summary>
    /// <returns>The snapshot.</returns>
    IReadOnlyList<PluginStatus> GetPlugins();

    /// <summary>Gets a snapshot of one plugin.</summary>
    /// <param name="pluginId">The plugin id.</param>
    /// <returns>The snapshot, or <see langword="null"/> when the host does not know the plugin.</returns>
    PluginStatus? GetPlugin(string pluginId);

    /// <summary>
    /// Invokes a contract method of the plugin's active version by name, with arguments given as a JSON object
    /// by parameter name, and returns the awaited result as JSON (camelCase). Meant for tools and admin APIs;
    /// application code calls through <see cref="Get{TContract}"/>.
    /// </summary>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="method">The method name; the <c>Async</c> suffix may be left out; case is ignored.</param>
    /// <param name="arguments">A JSON object of the method's arguments by parameter name; a missing optional parameter takes its default.</param>
    /// <param name="cancellationToken">Passed to the method when it takes a <see cref="CancellationToken"/>.</param>
    /// <returns>The result as JSON; <c>null</c> for a method that returns nothing.</returns>
    /// <exception cref="PluginUnavailableException">No version of the plugin is active.</exception>
    /// <exception cref="PluginInvocationArgumentException">
    /// The method does not exist, the arguments do not bind, or the method is a stream (it returns
    /// <see cref="IAsyncEnumerable{T}"/>): call it with <see cref="InvokeStreamAsync"/>.
    /// </exception>
    /// <exception cref="PluginInvocationException">The plugin threw.</exception>
    /// <exception cref="PluginTimeoutException">The call outlived the plugin's call timeout.</exception>
    /// <exception cref="PluginCrashedException">What ran the call (a plugin's process) died.</exception>
    Task<JsonElement> InvokeAsync(string pluginId, string method, JsonElement arguments, CancellationToken cancellationToken = default);

    /// <summary>
    /// Invokes a contract method of the plugin's active version by name, as <see cref="InvokeAsync"/> does, and
    /// hands over its results as JSON as they come: each item of a stream method (one that returns
    /// <see cref="IAsyncEnumerable{T}"/>) as the plugin produces it, or the one result of any other method.
    /// </summary>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="method">The method name; the <c>Async</c> suffix may be left out; case is ignored.</param>
    /// <param name="arguments">A JSON object of the method's arguments by parameter name; a missing optional parameter takes its default.</param>
    /// <param name="cancellationToken">Cancels the call: the plugin's token is cancelled and the enumeration ends.</param>
    /// <returns>
    /// The results, read from the plugin one at a time as they are asked for: nothing is read ahead, so a slow
    /// reader slows the plugin down rather than filling memory. Each enumeration is one call.
    /// </returns>
    /// <remarks>
    /// The plugin's call timeout bounds the whole call, first item to last, including the time the caller takes
    /// between items: when it expires the plugin's token is cancelled and the enumeration throws
    /// <see cref="PluginTimeoutException"/>, whether or not the plugin honours its token. The call counts as in
    /// flight until the enumeration ends or is disposed. Errors are thrown by the enumeration, the first of them
    /// (an unknown plugin or method, arguments that do not bind) before any result.
    /// </remarks>
    /// <exception cref="PluginUnavailableException">No version of the plugin is active.</exception>
    /// <exception cref="PluginInvocationArgumentException">The method does not exist or the arguments do not bind.</exception>
    /// <exception cref="PluginInvocationException">The plugin threw.</exception>
    /// <exception cref="PluginTimeoutException">The call outlived the plugin's call timeout.</exception>
    /// <exception cref="PluginCrashedException">What ran the call (a plugin's process) died.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    IAsyncEnumerable<JsonElement> InvokeStreamAsync(string pluginId, string method, JsonElement arguments, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scans the sources now and reconciles every plugin against what they describe, returning when the pass
    /// is done. The host also does this on file system events and on a timer.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait (not the pass).</param>
    /// <returns>A task that completes when a full pass that started after this call has finished.</returns>
    Task RescanAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Lets the plugin go down to exactly <paramref name="version"/> once, although the host has run a higher
    /// version: an operator's rollback. The host looks at the plugin's source again at once.
    /// </summary>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="version">The lower version to allow.</param>
    /// <exception cref="ArgumentException"><paramref name="pluginId"/> is not a valid plugin id, or <paramref name="version"/> not a semantic version.</exception>
    void AllowDowngrade(string pluginId, string version);

    /// <summary>Raised after a plugin version changes state. Handlers run on the host's reconcile and start threads, one change at a time per plugin: keep them short and do not block.</summary>
    event EventHandler<PluginStateChange>? StateChanged;
}
