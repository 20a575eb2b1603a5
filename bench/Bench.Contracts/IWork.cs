using Hotplug;

namespace Bench.Contracts;

/// <summary>
/// The bus benchmark's pipeline contract: work items the host pushes to the members of a service, and a tally each
/// member keeps of what reached it (work items and published messages), which the host gathers with a survey.
/// </summary>
[PluginContract("bench.work/v1")]
public interface IWork
{
    /// <summary>Takes one work item: counts it, and notes when it arrived.</summary>
    Task AcceptAsync(WorkItem item, CancellationToken cancellationToken = default);

    /// <summary>Tells what reached this member since it started.</summary>
    Task<WorkTally> TallyAsync(CancellationToken cancellationToken = default);
}

/// <summary>A work item (also the message the benchmark publishes).</summary>
/// <param name="Data">The payload.</param>
public sealed record WorkItem(byte[] Data);

/// <summary>What reached a member: counts, and when the last of each arrived.</summary>
/// <param name="Items">Work items taken.</param>
/// <param name="LastItemTimestamp">When the last work item arrived, as <c>Stopwatch.GetTimestamp()</c> (one monotonic clock for every process on a Linux machine).</param>
/// <param name="Messages">Published messages received.</param>
/// <param name="LastMessageTimestamp">When the last published message arrived, likewise.</param>
public sealed record WorkTally(long Items, long LastItemTimestamp, long Messages, long LastMessageTimestamp);
