using Hotplug.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Hotplug;

/// <summary>Adds the Hotplug host's plugins to an application's health checks.</summary>
public static class HotplugHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check of the Hotplug host's plugins: <see cref="HealthStatus.Unhealthy"/> until every plugin found
    /// at start has settled its first version (<see cref="IPluginHost.WaitUntilLoadedAsync"/>), so a load balancer
    /// sends no traffic before; then <see cref="HealthStatus.Healthy"/> while every plugin that is meant to run serves
    /// healthy, and <see cref="HealthStatus.Degraded"/>, naming each plugin that does not and why, while some do not.
    /// Plugins taken offline on purpose (folder removed, <c>"enabled": false</c>) do not count.
    /// </summary>
    /// <param name="builder">The application's health checks (<c>services.AddHealthChecks()</c>), beside <c>AddHotplug(...)</c>.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags to filter checks by, such as <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddHotplug(this IHealthChecksBuilder builder, string name = "hotplug", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new HotplugHealthCheck(services.GetRequiredService<PluginHost>()),
            failureStatus: HealthStatus.Unhealthy,
            tags));
    }
}
