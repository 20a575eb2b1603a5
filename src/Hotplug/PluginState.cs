namespace Hotplug;

/// <summary>Where one plugin version is in its lifecycle.</summary>
/// <remarks>
/// <c>Discovered → Staged → Starting → Healthy ⇄ Degraded → Draining → Stopped → Unloaded</c>; a version that
/// cannot be used ends <see cref="Rejected"/> (bad manifest) or <see cref="Failed"/> (failed to start or
/// unhealthy); one whose load context outlives its unload ends <see cref="Leaked"/>.
/// </remarks>
public enum PluginState
{
    /// <summary>Found in a source; not yet stable or staged.</summary>
    Discovered,

    /// <summary>Copied into the immutable store.</summary>
    Staged,

    /// <summary>Being loaded, started and health-checked.</summary>
    Starting,

    /// <summary>Serving calls.</summary>
    Healthy,

    /// <summary>Serving calls, but its last health check reported degraded.</summary>
    Degraded,

    /// <summary>No longer receives new calls; calls in flight are finishing.</summary>
    Draining,

    /// <summary>Stopped; its load context is being unloaded.</summary>
    Stopped,

    /// <summary>Stopped and its load context collected.</summary>
    Unloaded,

    /// <summary>Stopped, but its load context was still alive after the unload deadline.</summary>
    Leaked,

    /// <summary>Could not start or was unhealthy; the previous version, if any, keeps serving.</summary>
    Failed,

    /// <summary>The manifest or package is invalid; nothing of it was loaded.</summary>
    Rejected,

    /// <summary>No version is running: the plugin was removed or disabled.</summary>
    Offline,
}
