using Hotplug.Process.Plugin;
using Ranking.Contracts;

namespace Ranker.LongTail;

/// <summary>
/// Gives the long tail a chance: an item's score is divided by its popularity (from the host's item store), so
/// good items few people have seen rise. <c>boost</c> in the manifest's config sets how strongly.
/// </summary>
internal sealed class LongTailRanker(IItemStore store, PluginProcessInfo plugin, double boost) : IRanker
{
    public ValueTask<RankResponse> RankAsync(RankRequest request, CancellationToken cancellationToken = default)
    {
        // One call to the host for the whole catalogue, rather than one per item.
        var popularity = store.All().ToDictionary(i => i.Id, i => i.Popularity, StringComparer.Ordinal);
        var ids = request.Items
            .Select(i => (i.Id, Weighted: i.Score / (1 + (boost * popularity.GetValueOrDefault(i.Id)))))
            .OrderByDescending(i => i.Weighted)
            .ThenBy(i => i.Id, StringComparer.Ordinal)
            .Select(i => i.Id)
            .ToList();
        return ValueTask.FromResult(new RankResponse(ids, $"{plugin.PluginId}@{plugin.Version}"));
    }
}
