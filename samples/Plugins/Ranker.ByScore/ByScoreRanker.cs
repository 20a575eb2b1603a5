using Hotplug;
using Ranking.Contracts;

namespace Ranker.ByScore;

/// <summary>Version 1 of the ranker: highest score first, ties by id.</summary>
public sealed class ByScoreRanker : PluginBase, IRanker
{
    public ValueTask<RankResponse> RankAsync(RankRequest request, CancellationToken cancellationToken = default)
    {
        var ids = request.Items
            .OrderByDescending(i => i.Score)
            .ThenBy(i => i.Id, StringComparer.Ordinal)
            .Select(i => i.Id)
            .ToList();
        return ValueTask.FromResult(new RankResponse(ids, $"{Context.PluginId}@{Context.Version}"));
    }
}
