-- Ranks by score, boosted by how popular the host's item store says each item is.
-- Saved, this file goes live: the host loads the new build beside the old one and switches when it is healthy.

local RULE = "score + popularity"
local BOOST = tonumber(config.boost) or 0.5

-- ranking/v1: IRanker.RankAsync(RankRequest) -> RankResponse
function rank(request)
  local scored = {}
  for i, item in ipairs(request.items) do
    local info = services.itemStore.find(item.id)
    scored[i] = { id = item.id, value = item.score + BOOST * (info and info.popularity or 0) }
  end

  table.sort(scored, function(a, b)
    if a.value ~= b.value then return a.value > b.value end
    return a.id < b.id
  end)

  local ids = {}
  for i, entry in ipairs(scored) do ids[i] = entry.id end
  return { ids = ids, strategy = plugin.id .. "@" .. plugin.version .. " (" .. RULE .. ")" }
end

function health()
  if #services.itemStore.all() == 0 then return "the item store is empty" end
end
