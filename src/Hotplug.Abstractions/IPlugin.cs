namespace Hotplug;

/// <summary>
/// The entry point of a plugin: the type named by <c>entry.type</c> in its manifest.
/// </summary>
/// <remarks>
/// <para>
/// The host creates one instance per plugin version with a public parameterless constructor, calls
/// <see cref="StartAsync"/> once, checks <see cref="CheckHealthAsync"/> before it routes any call to the
/// version, and calls <see cref="StopAsync"/> once after the version has drained. The entry type implements
/// the contract interfaces it provides, or returns other objects from <see cref="GetContract"/>.
/// </para>
/// <para>
/// Derive from <see cref="PluginBase"/> to get sensible defaults for every member.
/// </para>
/// </remarks>
public interface IPlugin
{
    /// <summary>Starts the plugin. Called once, before any call is routed to it.</summary>
    /// <param name="context">The plugin's identity, configuration, logger and the host services exported to it.</param>
    /// <param name="cancellationToken">Cancelled when the host's start timeout expires or the host stops.</param>
    /// <returns>A task that completes when the plugin is ready to be health-checked.</returns>
    ValueTask StartAsync(IPluginContext context, CancellationToken cancellationToken);

    /// <summary>Stops the plugin. Called once, after calls in flight have finished or the drain timeout expired.</summary>
    /// <param name="cancellationToken">Cancelled when the host's stop timeout expires.</param>
    /// <returns>A task that completes when the plugin has released what it holds.</returns>
    ValueTask StopAsync(CancellationToken cancellationToken);

    /// <summary>Reports whether the plugin can serve calls.</summary>
    /// <param name="cancellationToken">Cancelled when the host's health-check timeout expires.</param>
    /// <returns>The plugin's health.</returns>
    ValueTask<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken);

    /// <summary>Returns the object that implements <paramref name="contractType"/>, or <see langword="null"/>.</summary>
    /// <param name="contractType">An interface marked with <see cref="PluginContractAttribute"/>.</param>
    /// <returns>The implementation; by default this instance when it implements the contract.</returns>
    object? GetContract(Type contractType) => contractType.IsInstanceOfType(this) ? this : null;
}
