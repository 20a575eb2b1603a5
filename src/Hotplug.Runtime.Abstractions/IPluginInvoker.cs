using System.Text.Json;

namespace Hotplug;

/// <summary>
/// Calls plugins by name, JSON in and JSON out, whatever runs them: for tools and admin APIs (<c>hotplug call</c>,
/// the admin API's <c>invoke</c>). Resolve it from the host's services, beside <see cref="IPluginHost"/>.
/// </summary>
/// <remarks>
/// A call by name is counted in flight, drained and timed out like a routed call. Application code calls through
/// the generated routers of <see cref="IPluginHost.Get{TContract}"/>, which are typed and allocate nothing.
/// </remarks>
public interface IPluginInvoker
{
    /// <summary>
    /// Invokes a contract method of the plugin's active version by name, with arguments given as a JSON object
    /// by parameter name, and returns the awaited result as JSON (camelCase). Meant for tools and admin APIs;
    /// application code calls through <see cref="IPluginHost.Get{TContract}"/>.
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
}
