using Hotplug;
using Microsoft.Extensions.Configuration;
using Ranking.Contracts;

namespace Ranker.LongTail;

/// <summary>
/// Gives the long tail a chance: an item's score is divided by its popularity (from the host's item store), so
/// good items few people have seen rise. <c>boost</c> in the manifest's config sets how strongly.
/// </summary>
/// <remarks>
/// A <see cref="PluginBase"/>, as the in-process rankers are: the host runs it in its own process because its
/// manifest says <c>"runtime": "process"</c>; the same class would load in process with <c>"runtime": "assembly"</c>.
/// </remarks>
public sealed class LongTailRanker : PluginBase, IRanker
{
    private IItemStore? _store;
    private double _boost;

    protected override ValueTask OnStartAsync(CancellationToken cancellationToken)
    {
        // The host's store, reached through go-plugin's broker; the manifest's config, passed as HOTPLUG_CONFIG_*.
        _store = Context.HostServices.GetService(typeof(IItemStore)) as IItemStore;
        _boost = Context.Configuration.GetValue("boost", 1.0);
        return ValueTask.CompletedTask;
    }

    public override ValueTask<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(_store is null
            ? PluginHealth.Unhealthy("the host does not export IItemStore, which this ranker reads popularity from")
            : PluginHealth.Healthy());

    public ValueTask<RankResponse> RankAsync(RankRequest request, CancellationToken cancellationToken = default)
    {
        // One call to the host for the whole catalogue, rather than one per item.
        var popularity = _store!.All().ToDictionary(i => i.Id, i => i.Popularity, StringComparer.Ordinal);
        var ids = request.Items
            .Select(i => (i.Id, Weighted: i.Score / (1 + (_boost * popularity.GetValueOrDefault(i.Id)))))
            .OrderByDescending(i => i.Weighted)
            .ThenBy(i => i.Id, StringComparer.Ordinal)
            .Select(i => i.Id)
            .ToList();
        return ValueTask.FromResult(new RankResponse(ids, $"{Context.PluginId}@{Context.Version}"));
    }
}
