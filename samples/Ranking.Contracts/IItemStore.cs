namespace Ranking.Contracts;

/// <summary>
/// The service's item catalogue: one store, owned by the host and exported to plugins, instead of one
/// copy (and one set of connections) per plugin.
/// </summary>
public interface IItemStore
{
    /// <summary>Finds an item by id.</summary>
    ItemInfo? Find(string id);

    /// <summary>Gets every item.</summary>
    IReadOnlyCollection<ItemInfo> All();
}

/// <summary>What the catalogue knows of an item.</summary>
public sealed record ItemInfo(string Id, string Title, string Category, double Popularity);
