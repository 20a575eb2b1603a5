namespace Hotplug;

/// <summary>Where one plugin is: what its status shows (<see cref="PluginStatus.State"/>).</summary>
/// <remarks>
/// <para>
/// While a version serves, the plugin is <see cref="Healthy"/> or <see cref="Degraded"/>, whatever its other versions
/// do: a new version starting beside it, or failing to, or an old one draining, leaves it serving. With no version
/// serving, it shows what became of the last version it tried: <see cref="Staged"/>, <see cref="Starting"/>,
/// <see cref="Failed"/> or <see cref="Rejected"/>; or <see cref="Offline"/> once its folder was removed or its
/// manifest disabled it.
/// </para>
/// <para>
/// Each version has a lifecycle of its own, <see cref="PluginVersionState"/>: what
/// <see cref="PluginStatus.PreviousVersions"/> records and <see cref="PluginStateChange.VersionState"/> says.
/// </para>
/// </remarks>
public enum PluginState
{
    /// <summary>Known by id only: no version of it was staged yet.</summary>
    Discovered,

    /// <summary>No version serves; one is verified, in the store, and about to start.</summary>
    Staged,

    /// <summary>No version serves; one is being started and health-checked.</summary>
    Starting,

    /// <summary>A version serves calls.</summary>
    Healthy,

    /// <summary>A version serves calls, but its last health check reported degraded or unhealthy; <see cref="PluginStatus.LastError"/> says why.</summary>
    Degraded,

    /// <summary>No version serves: the last one could not start, or was unhealthy when it did.</summary>
    Failed,

    /// <summary>No version serves: the last package was invalid or refused; nothing of it was loaded.</summary>
    Rejected,

    /// <summary>No version serves: the plugin's folder was removed, or its manifest disabled it.</summary>
    Offline,
}
