namespace Hotplug;

/// <summary>Where one plugin version is in its lifecycle: what its history records and its state changes say.</summary>
/// <remarks>
/// <code>
/// Discovered → Verified → Staged → Starting → Healthy ⇄ Degraded → Draining → Stopped → Unloaded
///          ↘ Rejected (bad manifest, signature, files, a refused downgrade)   ↘ Failed         ↘ Leaked
/// </code>
/// The host moves a version from one state to the next in one place, which knows every legal step; a version
/// never goes back. A plugin's own state, what its status shows, is a <c>PluginState</c> (in the host package).
/// </remarks>
public enum PluginVersionState
{
    /// <summary>Found in a source; not yet verified.</summary>
    Discovered,

    /// <summary>Its manifest, signature and files were verified.</summary>
    Verified,

    /// <summary>Copied into the immutable store, checked again, and about to start.</summary>
    Staged,

    /// <summary>Being created, started and health-checked by its runtime.</summary>
    Starting,

    /// <summary>Serving calls.</summary>
    Healthy,

    /// <summary>Serving calls, but its last health check reported degraded or unhealthy, or did not answer.</summary>
    Degraded,

    /// <summary>No longer receives new calls; calls in flight are finishing.</summary>
    Draining,

    /// <summary>Stopped; its runtime is releasing it (or the host stopped before that was verified).</summary>
    Stopped,

    /// <summary>Stopped and released: nothing of it is left in the host (for an in-process version, its code was verified collected).</summary>
    Unloaded,

    /// <summary>Stopped, but its code was still alive after the unload timeout.</summary>
    Leaked,

    /// <summary>Could not start, or was not healthy when it started; the previous version, if any, keeps serving.</summary>
    Failed,

    /// <summary>Its manifest or package is invalid, or it was refused (a downgrade, a duplicate id); nothing of it was loaded.</summary>
    Rejected,
}
