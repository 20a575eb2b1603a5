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

    /// <summary>Gets the plugin's state.</summary>
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

    /// <summary>Gets when the active version became active.</summary>
    public DateTimeOffset? ActiveSince { get; init; }

    /// <summary>Gets the earlier versions of this plugin, oldest first, and how each ended.</summary>
    public IReadOnlyList<PluginVersionRecord> PreviousVersions { get; init; } = [];
}

/// <summary>What became of one earlier version of a plugin.</summary>
/// <param name="Version">The version.</param>
/// <param name="State">How it ended: <see cref="PluginState.Unloaded"/>, <see cref="PluginState.Leaked"/>,
/// <see cref="PluginState.Failed"/>, <see cref="PluginState.Rejected"/>, or a state it is still passing through.</param>
/// <param name="Reason">Why it ended, such as "upgraded to 1.1.0" or the error that failed it.</param>
/// <param name="At">When it reached <paramref name="State"/>.</param>
public sealed record PluginVersionRecord(string Version, PluginState State, string? Reason, DateTimeOffset At)
{
    /// <summary>Gets whether the version's load context was verified collected.</summary>
    public bool Unloaded => State == PluginState.Unloaded;

    /// <summary>Gets whether the version's load context outlived its unload deadline.</summary>
    public bool Leaked => State == PluginState.Leaked;
}

/// <summary>Describes a lifecycle change of a plugin.</summary>
/// <param name="PluginId">The plugin id.</param>
/// <param name="Version">The version that changed state, when known.</param>
/// <param name="State">The new state.</param>
/// <param name="Reason">Why, when there is more to say than the state.</param>
public sealed record PluginStateChange(string PluginId, string? Version, PluginState State, string? Reason);
