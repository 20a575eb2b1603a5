using Hotplug;
using Ranking.Contracts;

namespace Ranker.Popular;

/// <summary>
/// A second ranker beside the first: score times the item's popularity, read from the item store the host
/// exports, so both rankers share one catalogue instead of each loading its own.
/// </summary>
public sealed class PopularRanker : PluginBase, IRanker
{
    private IItemStore? _store;

    protected override ValueTask OnStartAsync(CancellationToken cancellationToken)
    {
        _store = Context.HostServices.GetService(typeof(IItemStore)) as IItemStore;
        return ValueTask.CompletedTask;
    }

    public override ValueTask<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(_store is null
            ? PluginHealth.Unhealthy("the host does not export IItemStore, which this ranker reads popularity from")
            : PluginHealth.Healthy());

    public ValueTask<RankResponse> RankAsync(RankRequest request, CancellationToken cancellationToken = default)
    {
        var ids = request.Items
            .Select(i => (i.Id, Weighted: i.Score * (_store!.Find(i.Id)?.Popularity ?? 0)))
            .OrderByDescending(i => i.Weighted)
            .ThenBy(i => i.Id, StringComparer.Ordinal)
            .Select(i => i.Id)
            .ToList();
        return ValueTask.FromResult(new RankResponse(ids, $"{Context.PluginId}@{Context.Version}"));
    }
}
