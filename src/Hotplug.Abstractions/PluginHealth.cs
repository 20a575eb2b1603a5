namespace Hotplug;

/// <summary>The health a plugin reports.</summary>
public enum PluginHealthStatus
{
    /// <summary>The plugin cannot serve calls.</summary>
    Unhealthy = 0,

    /// <summary>The plugin serves calls, with reduced quality.</summary>
    Degraded = 1,

    /// <summary>The plugin serves calls normally.</summary>
    Healthy = 2,
}

/// <summary>The result of a plugin health check.</summary>
/// <param name="Status">The health status.</param>
/// <param name="Description">Why the plugin is in this state; shown to operators.</param>
public readonly record struct PluginHealth(PluginHealthStatus Status, string? Description = null)
{
    /// <summary>Creates a healthy result.</summary>
    /// <param name="description">An optional description.</param>
    /// <returns>The result.</returns>
    public static PluginHealth Healthy(string? description = null) => new(PluginHealthStatus.Healthy, description);

    /// <summary>Creates a degraded result.</summary>
    /// <param name="description">Why the plugin is degraded.</param>
    /// <returns>The result.</returns>
    public static PluginHealth Degraded(string description) => new(PluginHealthStatus.Degraded, description);

    /// <summary>Creates an unhealthy result.</summary>
    /// <param name="description">Why the plugin cannot serve.</param>
    /// <returns>The result.</returns>
    public static PluginHealth Unhealthy(string description) => new(PluginHealthStatus.Unhealthy, description);
}
