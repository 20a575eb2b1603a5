using Hotplug;

namespace Ranking.Contracts;

/// <summary>Ranks the items a user could be shown. The rules change often; each version is a plugin.</summary>
[PluginContract("ranking/v1")]
public interface IRanker
{
    /// <summary>Orders <see cref="RankRequest.Items"/> for <see cref="RankRequest.UserId"/>.</summary>
    ValueTask<RankResponse> RankAsync(RankRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What to rank, for whom.</summary>
public sealed record RankRequest(string UserId, IReadOnlyList<RankItem> Items);

/// <summary>An item and the score the service computed for it.</summary>
public sealed record RankItem(string Id, double Score);

/// <summary>The item ids in ranked order, and which plugin version ranked them (<c>id@version</c>).</summary>
public sealed record RankResponse(IReadOnlyList<string> Ids, string Strategy);
