namespace Hotplug.Hosting;

/// <summary>An operator's levers on the host (<see cref="IPluginAdmin"/>): a rescan now, and a rollback allowed once.</summary>
internal sealed class PluginAdmin(HostContext host, ReconcileLoop loop, Func<bool> started) : IPluginAdmin
{
    public Task RescanAsync(CancellationToken cancellationToken = default)
    {
        if (!started())
        {
            throw new InvalidOperationException("The Hotplug host has not been started.");
        }

        return loop.RescanAsync(cancellationToken);
    }

    public void AllowDowngrade(string pluginId, string version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        if (!Manifest.ManifestRules.IsValidId(pluginId))
        {
            throw new ArgumentException($"'{pluginId}' is not a valid plugin id.", nameof(pluginId));
        }

        if (!Manifest.ManifestRules.IsValidVersion(version))
        {
            throw new ArgumentException($"'{version}' is not a semantic version (MAJOR.MINOR.PATCH).", nameof(version));
        }

        if (host.Versions is not { } versions)
        {
            throw new InvalidOperationException("The Hotplug host has not been started.");
        }

        versions.Allow(pluginId, version);
        host.Signals.Reapply(pluginId);
    }
}
