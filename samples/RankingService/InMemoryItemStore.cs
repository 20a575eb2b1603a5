using Ranking.Contracts;

namespace RankingService;

/// <summary>The service's catalogue: the one instance the host exports to every plugin.</summary>
internal sealed class InMemoryItemStore : IItemStore
{
    private static readonly string[] Categories = ["shoes", "books", "games", "music"];
    private readonly Dictionary<string, ItemInfo> _items;

    public InMemoryItemStore()
    {
        _items = Enumerable.Range(1, 24)
            .Select(n => new ItemInfo($"item-{n:00}", $"Item {n}", Categories[n % Categories.Length], 0.5 + (n * 7 % 10) / 10.0))
            .ToDictionary(i => i.Id);
    }

    public ItemInfo? Find(string id) => _items.GetValueOrDefault(id);

    public IReadOnlyCollection<ItemInfo> All() => _items.Values;
}
