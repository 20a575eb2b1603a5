using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Hotplug.Hosting;

/// <summary>
/// Every plugin the host knows, what is on record about each (state, last error, history), and the changes it
/// announces (<see cref="IPluginHost.StateChanged"/>).
/// </summary>
internal sealed class PluginRegistry(HostContext host)
{
    private readonly ConcurrentDictionary<string, PluginEntry> _entries = new(StringComparer.Ordinal);

    public event EventHandler<PluginStateChange>? StateChanged;

    /// <summary>Gets or sets the sender of <see cref="StateChanged"/>: the host applications hold.</summary>
    public object? Sender { get; set; }

    public ICollection<PluginEntry> Entries => _entries.Values;

    public PluginEntry GetOrAdd(string pluginId) => _entries.GetOrAdd(pluginId, static id => new PluginEntry(id));

    public bool TryGet(string pluginId, out PluginEntry entry) => _entries.TryGetValue(pluginId, out entry!);

    public IReadOnlyList<PluginStatus> GetPlugins() =>
        [.. _entries.Values.Where(e => e.IsListed).OrderBy(e => e.Id, StringComparer.Ordinal).Select(e => e.ToStatus())];

    public PluginStatus? GetPlugin(string pluginId) =>
        _entries.TryGetValue(pluginId, out var entry) && entry.IsListed ? entry.ToStatus() : null;

    /// <summary>Puts what became of a version in the plugin's history.</summary>
    public void Record(PluginEntry entry, string version, PluginVersionState state, string? reason) =>
        entry.Record(version, state, reason, host.Time.GetUtcNow(), host.Options.HistoryLimit);

    /// <summary>Announces a change of a version (<paramref name="versionState"/>) or of the plugin itself (<see langword="null"/>), and logs it.</summary>
    public void Raise(PluginEntry entry, string? version, PluginVersionState? versionState, string? reason)
    {
        PluginState state;
        lock (entry.Sync)
        {
            state = entry.State;
        }

        var change = new PluginStateChange(entry.Id, version, state, versionState, reason);
        Log.StateChanged(host.Logger, entry.Id, version ?? "-", change.What, reason ?? string.Empty);
        try
        {
            StateChanged?.Invoke(Sender ?? this, change);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(host.Logger, ex);
        }
    }

    /// <summary>
    /// Shows a version's step in the plugin's state when no version serves (a version starting beside a serving one
    /// leaves the plugin serving), and announces it.
    /// </summary>
    public void Announce(PluginEntry entry, string version, PluginVersionState versionState, PluginState whenNoneServes, string? reason)
    {
        lock (entry.Sync)
        {
            if (entry.Active is null)
            {
                entry.State = whenNoneServes;
                entry.LastVersion = version;
            }
        }

        Raise(entry, version, versionState, reason);
    }

    /// <summary>Takes the plugin offline in its status (no version of it is active), and announces it.</summary>
    public void SetOffline(PluginEntry entry, string? version, string reason)
    {
        lock (entry.Sync)
        {
            if (entry.Active is null)
            {
                entry.State = PluginState.Offline;
                entry.LastVersion = version ?? entry.LastVersion;
            }
        }

        Raise(entry, version, null, reason);
    }

    /// <summary>Puts a refused version on record: last error, history, state (when none is active) and event.</summary>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="version">The version refused, when known.</param>
    /// <param name="from">Where the version was when it was refused (checked against the lifecycle).</param>
    /// <param name="folderPath">The folder it came from.</param>
    /// <param name="message">Why.</param>
    public void Reject(string pluginId, string? version, PluginVersionState from, string folderPath, string message)
    {
        VersionTransitions.Check(pluginId, version ?? "?", from, PluginVersionState.Rejected);
        var entry = GetOrAdd(pluginId);
        Log.Rejected(host.Logger, pluginId, message);
        lock (entry.Sync)
        {
            entry.LastError = message;
            entry.SourcePath ??= folderPath;
            entry.RejectedFrom = entry.SourcePath == folderPath ? null : (folderPath, message);
            if (entry.Active is null)
            {
                entry.State = PluginState.Rejected;
                entry.LastVersion = version ?? entry.LastVersion;
            }
        }

        Record(entry, version ?? "?", PluginVersionState.Rejected, message);
        Raise(entry, version, PluginVersionState.Rejected, message);
    }

    /// <summary>A folder that was rejected beside a plugin's own (an intruder, a duplicate) is gone: so is its error.</summary>
    public void ForgetRejection(string folderPath)
    {
        foreach (var entry in _entries.Values)
        {
            lock (entry.Sync)
            {
                if (entry.RejectedFrom is { } rejected && rejected.Folder == folderPath)
                {
                    entry.LastError = entry.LastError == rejected.Message ? null : entry.LastError;
                    entry.RejectedFrom = null;
                }
            }
        }
    }

    /// <summary>Puts a version's failure on record: last error, history, state (when none is active) and event.</summary>
    public void RecordFailure(PluginEntry entry, string version, string message)
    {
        lock (entry.Sync)
        {
            entry.LastError = message;
            if (entry.Active is null)
            {
                entry.State = PluginState.Failed;
                entry.LastVersion = version;
            }
        }

        Record(entry, version, PluginVersionState.Failed, message);
        Raise(entry, version, PluginVersionState.Failed, message);
    }
}
