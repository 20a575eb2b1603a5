namespace Hotplug;

/// <summary>A snapshot of one plugin: its active version and what happened to its earlier versions.</summary>
public sealed record PluginStatus
{
    /// <summary>Gets the plugin id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the active version, or the last version seen when none is active.</summary>
    public string? Version { get; init; }

    /// <summary>Gets the runtime named by the manifest, such as <c>assembly</c>.</summary>
    public string? Runtime { get; init; }

    /// <summary>Gets the plugin's state: whether a version serves, and if none does, what became of the last one tried.</summary>
    public required PluginState State { get; init; }

    /// <summary>Gets the contract names the active version provides.</summary>
    public IReadOnlyList<string> Contracts { get; init; } = [];

    /// <summary>Gets the last error recorded for this plugin (rejection, failed start, leak), or <see langword="null"/>.</summary>
    public string? LastError { get; init; }

    /// <summary>Gets the folder the plugin was discovered in.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Gets the store folder the active version runs from.</summary>
    public string? StorePath { get; init; }

    /// <summary>Gets the number of calls in flight on the active version.</summary>
    public long InFlight { get; init; }

    /// <summary>Gets how the active version's pool of workers is used (a script version's engines), or <see langword="null"/> for a runtime that does not pool.</summary>
    public PluginPoolStatus? Pool { get; init; }

    /// <summary>Gets when the active version became active.</summary>
    public DateTimeOffset? ActiveSince { get; init; }

    /// <summary>Gets the earlier versions of this plugin (and versions that never became active), oldest first, and how each ended.</summary>
    public IReadOnlyList<PluginVersionRecord> PreviousVersions { get; init; } = [];
}

/// <summary>What became of one earlier version of a plugin.</summary>
/// <param name="Version">The version.</param>
/// <param name="State">How it ended: <see cref="PluginVersionState.Unloaded"/>, <see cref="PluginVersionState.Leaked"/>,
/// <see cref="PluginVersionState.Failed"/>, <see cref="PluginVersionState.Rejected"/>, <see cref="PluginVersionState.Stopped"/>
/// (the host stopped before its unload was verified), or <see cref="PluginVersionState.Draining"/> while it drains.</param>
/// <param name="Reason">Why it ended, such as "upgraded to 1.1.0" or the error that failed it.</param>
/// <param name="At">When it reached <paramref name="State"/>.</param>
public sealed record PluginVersionRecord(string Version, PluginVersionState State, string? Reason, DateTimeOffset At)
{
    /// <summary>Gets whether the version was released and verified gone (for an in-process version, its code collected).</summary>
    public bool Unloaded => State == PluginVersionState.Unloaded;

    /// <summary>Gets whether the version's code outlived its unload deadline.</summary>
    public bool Leaked => State == PluginVersionState.Leaked;
}

/// <summary>Describes a lifecycle change: one of the plugin's versions changed state, or the plugin itself went offline.</summary>
/// <param name="PluginId">The plugin id.</param>
/// <param name="Version">The version concerned, when known.</param>
/// <param name="State">What the plugin's status shows right after the change (a failed upgrade leaves it <see cref="PluginState.Healthy"/>, say).</param>
/// <param name="VersionState">
/// What <paramref name="Version"/> became, such as <see cref="PluginVersionState.Starting"/>, <see cref="PluginVersionState.Healthy"/>,
/// <see cref="PluginVersionState.Unloaded"/> or <see cref="PluginVersionState.Failed"/>; <see langword="null"/> when the change is
/// the plugin's own (it went <see cref="PluginState.Offline"/>).
/// </param>
/// <param name="Reason">Why, when there is more to say than the state.</param>
public sealed record PluginStateChange(string PluginId, string? Version, PluginState State, PluginVersionState? VersionState, string? Reason)
{
    /// <summary>Gets what changed, as logs and the live view show it: the version's new state, or the plugin's when the change is its own.</summary>
    public string What => VersionState?.ToString() ?? State.ToString();
}
