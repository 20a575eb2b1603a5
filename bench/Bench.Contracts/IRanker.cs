using Hotplug;

namespace Bench.Contracts;

/// <summary>
/// The script benchmarks' contract: a small ranking request (a user id and ten scored items) answered with the ten ids
/// in order, the call every script runtime is measured with beside its bare engine call.
/// </summary>
[PluginContract("bench.ranker/v1")]
public interface IRanker
{
    /// <summary>Ranks the items for the user.</summary>
    ValueTask<RankReply> RankAsync(RankRequest request, CancellationToken cancellationToken = default);
}

/// <summary>One item and its score.</summary>
/// <param name="Id">The item.</param>
/// <param name="Score">Its score.</param>
public sealed record ScoredItem(long Id, double Score);

/// <summary>What to rank.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Items">The scored items.</param>
public sealed record RankRequest(long UserId, IReadOnlyList<ScoredItem> Items);

/// <summary>The ranking.</summary>
/// <param name="Ids">The item ids, best first.</param>
public sealed record RankReply(IReadOnlyList<long> Ids);
