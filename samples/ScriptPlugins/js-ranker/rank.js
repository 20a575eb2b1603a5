// Ranks by score, never two items of one category in a row: the host's item store knows each item's category.

// ranking/v1: IRanker.RankAsync(RankRequest) -> RankResponse
function rank(request) {
  const pending = request.items
    .map(item => ({ id: item.id, score: item.score, category: services.itemStore.find(item.id)?.category ?? "" }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));

  const ids = [];
  let last = null;
  while (pending.length > 0) {
    const index = Math.max(0, pending.findIndex(item => item.category !== last));
    const [next] = pending.splice(index, 1);
    ids.push(next.id);
    last = next.category;
  }

  return { ids, strategy: `${plugin.id}@${plugin.version} (diverse)` };
}
