using System.Globalization;
using Hotplug;
using Ranking.Contracts;

namespace Ranker.Fleet;

/// <summary>
/// Ranks by score, nudging items whose id sorts late (a stand-in for "newer") up by <c>freshness</c> from the bus
/// plugin's config, and says which member answered: the host spreads calls over every member serving the contract.
/// </summary>
public sealed class FleetRanker(string member) : PluginBase, IRanker
{
    private double _freshness;

    protected override ValueTask OnStartAsync(CancellationToken cancellationToken)
    {
        // The bus package's config, sent by the hub when the member joined.
        _freshness = double.TryParse(Context.Configuration["freshness"], CultureInfo.InvariantCulture, out var freshness) ? freshness : 0;
        return ValueTask.CompletedTask;
    }

    public ValueTask<RankResponse> RankAsync(RankRequest request, CancellationToken cancellationToken = default)
    {
        var ordered = request.Items
            .Select((item, index) => (item.Id, Weighted: item.Score + (_freshness * index / Math.Max(1, request.Items.Count))))
            .OrderByDescending(i => i.Weighted)
            .ThenBy(i => i.Id, StringComparer.Ordinal)
            .Select(i => i.Id)
            .ToList();
        return ValueTask.FromResult(new RankResponse(ordered, $"{Context.PluginId}@{Context.Version} (member {member})"));
    }
}
