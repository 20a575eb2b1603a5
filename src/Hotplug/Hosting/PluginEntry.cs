namespace Hotplug.Hosting;

/// <summary>Everything the host knows about one plugin id. Guarded by <see cref="Sync"/>.</summary>
internal sealed class PluginEntry(string id)
{
    public string Id { get; } = id;

    public object Sync { get; } = new();

    public PluginInstance? Active { get; set; }

    public Dictionary<Type, ISlotHandle> Slots { get; } = [];

    /// <summary>Gets or sets what the plugin's status shows; its versions' own states are in <see cref="History"/> and their machines.</summary>
    public PluginState State { get; set; } = PluginState.Discovered;

    public string? LastError { get; set; }

    /// <summary>Gets or sets the folder and message of a rejection of another folder than the plugin's source, while it is <see cref="LastError"/>.</summary>
    public (string Folder, string Message)? RejectedFrom { get; set; }

    public string? SourcePath { get; set; }

    public string? Runtime { get; set; }

    /// <summary>Gets or sets the version last seen for this id, shown when none is active.</summary>
    public string? LastVersion { get; set; }

    public List<PluginVersionRecord> History { get; } = [];

    /// <summary>Gets or sets whether a source currently describes this plugin (false once its folder is gone).</summary>
    public bool Known { get; set; }

    /// <summary>Gets whether status lists the plugin: a source describes it, or something of it is on record.</summary>
    public bool IsListed => Known || Active is not null || History.Count > 0 || LastError is not null;

    public PluginStatus ToStatus()
    {
        lock (Sync)
        {
            var active = Active;
            return new PluginStatus
            {
                Id = Id,
                Version = active?.Version ?? LastVersion,
                Runtime = active?.Manifest.Runtime ?? Runtime,
                State = State,
                Contracts = active is null ? [] : active.ContractNames,
                LastError = LastError,
                SourcePath = SourcePath,
                StorePath = active?.Package.Path,
                InFlight = active?.Gate.InFlight ?? 0,
                Pool = active?.Pool,
                ActiveSince = active?.ActiveSince,
                PreviousVersions = [.. History],
            };
        }
    }

    /// <summary>Records what became of a version that is no longer active (or never became active).</summary>
    public void Record(string version, PluginVersionState state, string? reason, DateTimeOffset at, int limit)
    {
        lock (Sync)
        {
            // A version that drains has one record, which says how it ended once it has.
            var index = History.FindLastIndex(r => r.Version == version && r.State is PluginVersionState.Draining or PluginVersionState.Stopped);
            var record = new PluginVersionRecord(version, state, reason, at);
            if (index >= 0 && state is not PluginVersionState.Draining)
            {
                History[index] = record with { Reason = reason ?? History[index].Reason };
            }
            else
            {
                History.Add(record);
            }

            if (History.Count > limit)
            {
                History.RemoveRange(0, History.Count - limit);
            }
        }
    }
}
