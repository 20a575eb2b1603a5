using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hotplug;

/// <summary>
/// A convenient base for a plugin entry type: keeps the <see cref="IPluginContext"/> and reports healthy.
/// </summary>
public abstract class PluginBase : IPlugin
{
    private IPluginContext? _context;

    /// <summary>Gets the context the host started this plugin with.</summary>
    /// <exception cref="InvalidOperationException">The plugin has not been started.</exception>
    protected IPluginContext Context =>
        _context ?? throw new InvalidOperationException("The plugin has not been started; the context is set by StartAsync.");

    /// <summary>Gets the plugin's logger, or a null logger before start.</summary>
    protected ILogger Logger => _context?.Logger ?? NullLogger.Instance;

    /// <inheritdoc />
    public virtual ValueTask StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        return OnStartAsync(cancellationToken);
    }

    /// <inheritdoc />
    public virtual ValueTask StopAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public virtual ValueTask<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(PluginHealth.Healthy());

    /// <summary>Runs after the context is set. Override to open what the plugin needs.</summary>
    /// <param name="cancellationToken">Cancelled when the host's start timeout expires.</param>
    /// <returns>A task that completes when the plugin is ready.</returns>
    protected virtual ValueTask OnStartAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
