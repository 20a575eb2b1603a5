using System.Collections.Frozen;
using static Hotplug.PluginVersionState;

namespace Hotplug.Hosting;

/// <summary>
/// The one place that says how a plugin version may move through its lifecycle. Every change of a version's state
/// goes through <see cref="VersionStateMachine.MoveTo"/> (or, for a version refused before it has a machine of its
/// own, <see cref="Check"/>); a step not in this table is a bug in the host, and is caught here.
/// </summary>
/// <remarks>
/// <code>
/// Discovered → Verified → Staged → Starting → Healthy ⇄ Degraded → Draining → Stopped → Unloaded
///      ↘ Rejected ↙       ↘ Rejected     ↘ Failed → Stopped                           ↘ Leaked
///      ↘ Failed (the store could not be written; staged again)
/// </code>
/// A version never goes back: a plugin that comes back to a version it ran before starts a new lifecycle for it.
/// </remarks>
internal static class VersionTransitions
{
    private static readonly FrozenDictionary<PluginVersionState, PluginVersionState[]> Next = new Dictionary<PluginVersionState, PluginVersionState[]>
    {
        // Staging copies a folder into the store and verifies the copy: verified, or rejected; a store that cannot
        // be written fails the attempt, which is tried again with backoff.
        [Discovered] = [Verified, Rejected, Failed],

        // A verified package still has to claim its id (a duplicate is rejected) and pass the downgrade guard and the
        // store check before it starts.
        [Verified] = [Staged, Rejected],
        [Staged] = [Starting, Rejected],

        // Started and healthy, or failed: it threw, timed out, was unhealthy, or lacks a contract callers use.
        [Starting] = [Healthy, Failed],

        // While it serves, health checks move it between healthy and degraded (degraded again when the reason
        // changes), until an upgrade or offline drains it.
        [Healthy] = [Degraded, Draining],
        [Degraded] = [Healthy, Degraded, Draining],
        [Draining] = [Stopped],

        // What started of a failed version is stopped and released too.
        [Failed] = [Stopped],

        // Released: verified gone, or leaked. A version the host stopped with stays Stopped (its release unverified).
        [Stopped] = [Unloaded, Leaked],
        [Unloaded] = [],
        [Leaked] = [],
        [Rejected] = [],
    }.ToFrozenDictionary();

    /// <summary>Whether a version may move from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool IsLegal(PluginVersionState from, PluginVersionState to) =>
        Next.TryGetValue(from, out var next) && Array.IndexOf(next, to) >= 0;

    /// <summary>Whether no step leads out of <paramref name="state"/>.</summary>
    public static bool IsFinal(PluginVersionState state) => Next[state].Length == 0;

    /// <summary>Gets the states a version may move to from <paramref name="state"/>.</summary>
    public static IReadOnlyList<PluginVersionState> From(PluginVersionState state) => Next[state];

    /// <summary>Checks one step of a version.</summary>
    /// <exception cref="InvalidOperationException">The step is not legal: a bug in the host.</exception>
    public static void Check(string pluginId, string version, PluginVersionState from, PluginVersionState to)
    {
        if (!IsLegal(from, to))
        {
            throw new InvalidOperationException(
                $"Plugin '{pluginId}' {version} cannot move from {from} to {to}; from {from} it may move to {(Next[from].Length == 0 ? "nothing (it is final)" : string.Join(", ", Next[from]))}. This is a bug in the Hotplug host.");
        }
    }
}

/// <summary>Where one version (one attempt to run it) is in its lifecycle; moved only along <see cref="VersionTransitions"/>.</summary>
/// <param name="pluginId">The plugin id.</param>
/// <param name="version">The version.</param>
/// <param name="initial">Where the version is when the host starts tracking it.</param>
internal sealed class VersionStateMachine(string pluginId, string version, PluginVersionState initial)
{
    private readonly object _sync = new();
    private PluginVersionState _state = initial;

    public string PluginId { get; } = pluginId;

    public string Version { get; } = version;

    public PluginVersionState State
    {
        get
        {
            lock (_sync)
            {
                return _state;
            }
        }
    }

    /// <summary>Moves the version to <paramref name="next"/>.</summary>
    /// <returns>The state it left.</returns>
    /// <exception cref="InvalidOperationException">The step is not legal: a bug in the host.</exception>
    public PluginVersionState MoveTo(PluginVersionState next)
    {
        lock (_sync)
        {
            VersionTransitions.Check(PluginId, Version, _state, next);
            var previous = _state;
            _state = next;
            return previous;
        }
    }

    public override string ToString() => $"{PluginId} {Version}: {State}";
}
