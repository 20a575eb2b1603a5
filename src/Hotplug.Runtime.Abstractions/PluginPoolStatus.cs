namespace Hotplug;

/// <summary>
/// How a version's pool of workers is used (a script version's engines): what <see cref="PluginStatus.Pool"/> shows
/// for a runtime that pools, <see langword="null"/> for others.
/// </summary>
/// <param name="Min">Workers kept while the version runs.</param>
/// <param name="Max">Workers at most.</param>
/// <param name="Size">Workers now.</param>
/// <param name="Busy">Workers serving a call now.</param>
/// <param name="Waiting">Calls waiting for a worker now.</param>
/// <param name="QueueLimit">Calls that may wait; one more is refused.</param>
/// <param name="Refused">Calls refused because every worker was busy and the queue full, since the version started.</param>
/// <param name="Discarded">Workers thrown away since the version started (interrupted, past a limit, or failed).</param>
public sealed record PluginPoolStatus(int Min, int Max, int Size, int Busy, int Waiting, int QueueLimit, long Refused, long Discarded);
