using Hotplug;
using Ranking.Contracts;

namespace Ranker.Diverse;

/// <summary>
/// Version 2 of the ranker: highest score first, but never more than <c>config.maxRun</c> items of one
/// category in a row, so one category cannot fill the top of the list. Categories come from the host's
/// item store.
/// </summary>
public sealed class DiverseRanker : PluginBase, IRanker
{
    private IItemStore _store = null!;
    private int _maxRun = 1;

    protected override ValueTask OnStartAsync(CancellationToken cancellationToken)
    {
        _store = Context.HostServices.GetService(typeof(IItemStore)) as IItemStore
            ?? throw new InvalidOperationException("The host does not export IItemStore, which this ranker needs for item categories.");
        _maxRun = int.TryParse(Context.Configuration["maxRun"], out var maxRun) && maxRun > 0 ? maxRun : 1;
        return ValueTask.CompletedTask;
    }

    public ValueTask<RankResponse> RankAsync(RankRequest request, CancellationToken cancellationToken = default)
    {
        var pending = request.Items
            .OrderByDescending(i => i.Score)
            .ThenBy(i => i.Id, StringComparer.Ordinal)
            .ToList();
        var ranked = new List<string>(pending.Count);
        string? lastCategory = null;
        var run = 0;
        while (pending.Count > 0)
        {
            // The best item that does not extend a run past the limit; the best of all when none qualifies.
            var index = pending.FindIndex(i => Category(i.Id) != lastCategory || run < _maxRun);
            var next = pending[index < 0 ? 0 : index];
            pending.Remove(next);
            var category = Category(next.Id);
            run = category == lastCategory ? run + 1 : 1;
            lastCategory = category;
            ranked.Add(next.Id);
        }

        return ValueTask.FromResult(new RankResponse(ranked, $"{Context.PluginId}@{Context.Version}"));
    }

    private string Category(string id) => _store.Find(id)?.Category ?? "unknown";
}
