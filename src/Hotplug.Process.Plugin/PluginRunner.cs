using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Plugin;

/// <summary>
/// The lifecycle of the plugin entry object a process hosts (<see cref="PluginEntryExtensions.AddPlugin{TPlugin}"/>):
/// started once with its context, health-checked, stopped once. Its failures are reported, never thrown: a start
/// that fails is what the host's start probe answers, a health check that throws is unhealthy.
/// </summary>
internal sealed class PluginRunner(IPlugin plugin)
{
    private readonly TaskCompletionSource<string?> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets the plugin entry object.</summary>
    public IPlugin Plugin => plugin;

    /// <summary>Gets the context it was started with, once it was.</summary>
    public IPluginContext? Context { get; private set; }

    /// <summary>Gets a task that completes when <see cref="IPlugin.StartAsync"/> ended: with <see langword="null"/>, or why it failed.</summary>
    public Task<string?> Started => _started.Task;

    /// <summary>Gets whether the plugin has started and did not fail to.</summary>
    public bool HasStarted => _started.Task.IsCompletedSuccessfully && _started.Task.Result is null;

    /// <summary>Makes the plugin's context from the process's services and starts the plugin.</summary>
    /// <param name="services">The plugin process's services.</param>
    /// <param name="stopping">Cancelled when the host shuts the process down: the context's <see cref="IPluginContext.Stopping"/>.</param>
    public async Task StartAsync(IServiceProvider services, CancellationToken stopping)
    {
        var info = services.GetRequiredService<PluginProcessInfo>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(info.PluginId.Length > 0 ? info.PluginId : plugin.GetType().Name);
        try
        {
            Context = new ProcessPluginContext(
                info.PluginId,
                info.Version,
                services.GetRequiredService<IConfiguration>(),
                logger,
                new HostServiceProvider(services.GetRequiredService<HostServices>()),
                stopping);
            await plugin.StartAsync(Context, stopping).ConfigureAwait(false);
            _started.TrySetResult(null);
        }
        catch (Exception ex)
        {
            // As an assembly plugin's start that throws is put.
            logger.LogError(ex, "The plugin failed to start");
            _started.TrySetResult($"starting it threw {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>The plugin's health; a check that throws is unhealthy, with what it threw.</summary>
    public async Task<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await plugin.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return PluginHealth.Unhealthy($"its health check threw {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Stops the plugin once its calls have ended, if it started; bounded by <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout, ILogger logger)
    {
        using var bound = new CancellationTokenSource(timeout);
        try
        {
            // A start still running when the host stopped the process sees its token cancelled; it is given the same bound.
            if (await _started.Task.WaitAsync(bound.Token).ConfigureAwait(false) is not null)
            {
                return;
            }

            await plugin.StopAsync(bound.Token).AsTask().WaitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            logger.LogError("The plugin did not stop within {Timeout} s", timeout.TotalSeconds);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "The plugin failed to stop");
        }
    }
}
