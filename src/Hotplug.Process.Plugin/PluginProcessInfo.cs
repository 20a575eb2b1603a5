namespace Hotplug.Process.Plugin;

/// <summary>
/// Who this plugin process is, as its Hotplug host started it (empty under other go-plugin hosts). Resolve it
/// from the plugin's services; the manifest's <c>config</c> section is in the plugin's <c>IConfiguration</c>.
/// </summary>
/// <param name="PluginId">The plugin id from the manifest.</param>
/// <param name="Version">The plugin version from the manifest.</param>
public sealed record PluginProcessInfo(string PluginId, string Version);
