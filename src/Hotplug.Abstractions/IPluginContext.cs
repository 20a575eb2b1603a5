using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Hotplug;

/// <summary>
/// Everything a plugin sees of its host: its identity, its configuration, a logger, and the host services
/// the host chose to export.
/// </summary>
public interface IPluginContext
{
    /// <summary>Gets the plugin id from the manifest, such as <c>ranker</c>.</summary>
    string PluginId { get; }

    /// <summary>Gets the plugin version from the manifest (SemVer), such as <c>1.2.0</c>.</summary>
    string Version { get; }

    /// <summary>Gets the <c>config</c> section of the plugin's manifest.</summary>
    IConfiguration Configuration { get; }

    /// <summary>Gets a logger whose category is the plugin id.</summary>
    ILogger Logger { get; }

    /// <summary>
    /// Gets the host services exported to plugins. Only services the host exported explicitly resolve here;
    /// every other service type returns <see langword="null"/>.
    /// </summary>
    IServiceProvider HostServices { get; }

    /// <summary>Gets a token cancelled when the host begins to stop this plugin version.</summary>
    CancellationToken Stopping { get; }
}
