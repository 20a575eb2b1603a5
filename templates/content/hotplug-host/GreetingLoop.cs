using Hotplug;
using HotplugTemplateContracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HotplugTemplateHost;

/// <summary>The example call: greets through whichever version of the plugin is active, every two seconds.</summary>
internal sealed class GreetingLoop(IPluginHost plugins, ILogger<GreetingLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // No traffic before the plugins found at start have loaded (or failed, which the log and status say).
        await plugins.WaitUntilLoadedAsync(stoppingToken);

        // A router: keep it for the life of the service, it always reaches the plugin's active version.
        var greeter = plugins.Get<IGreeter>("HOTPLUG_PLUGIN_ID");
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        do
        {
            try
            {
                var reply = await greeter.GreetAsync(new GreetRequest("world"), stoppingToken);
                Console.WriteLine(reply.Message);
            }
            catch (PluginUnavailableException ex)
            {
                // No version is serving: not deployed yet, still starting, or refused (the log says why).
                logger.LogInformation("{Reason}", ex.Message);
            }
            catch (PluginInvocationException ex)
            {
                logger.LogWarning(ex.InnerException, "The plugin failed: {Reason}", ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
