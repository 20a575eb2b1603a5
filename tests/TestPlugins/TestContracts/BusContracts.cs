namespace Hotplug.TestContracts;

/// <summary>What the bus tests' members serve: calls that say who answered, work items, and answers to surveys.</summary>
[PluginContract("test.work/v1")]
public interface IWork
{
    /// <summary>Answers with the member's name; waits <see cref="WorkRequest.DelayMs"/> first, or ends the member's process when <see cref="WorkRequest.Crash"/>.</summary>
    ValueTask<WorkReply> DoAsync(WorkRequest request, CancellationToken cancellationToken = default);

    /// <summary>Takes a work item (pipeline).</summary>
    Task AcceptAsync(WorkItem item, CancellationToken cancellationToken = default);
}

/// <summary>A call.</summary>
/// <param name="Id">The caller's id for it.</param>
/// <param name="DelayMs">How long the member takes.</param>
/// <param name="Crash">Whether the member's process ends mid-call.</param>
public sealed record WorkRequest(long Id, int DelayMs = 0, bool Crash = false);

/// <summary>An answer.</summary>
/// <param name="Id">The call's id.</param>
/// <param name="Member">The member that answered.</param>
public sealed record WorkReply(long Id, string Member);

/// <summary>A work item.</summary>
/// <param name="Id">Its id.</param>
/// <param name="DelayMs">How long the member takes over it.</param>
public sealed record WorkItem(long Id, int DelayMs = 0);

/// <summary>A published event.</summary>
/// <param name="N">Its number.</param>
/// <param name="Text">Some text.</param>
public sealed record Tick(long N, string Text);
