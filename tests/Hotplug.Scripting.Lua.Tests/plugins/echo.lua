-- The conformance kit's echo plugin (test.echo/v1), in Lua.

local function reply(text)
  return {
    text = text,
    pluginId = plugin.id,
    version = plugin.version,
    greeting = config.greeting,
    library = _VERSION,
    counter = services.counterService.increment(),
  }
end

function echo(request)
  local text = request.text
  if text == "throw" then error("echo was asked to throw") end
  if text == "hang" then while true do end end
  if text == "wait" then services.holdService.wait("never") end
  if text == "crash" then
    -- A script cannot end its process; what ends a Lua engine mid-call is breaking a limit.
    local hoard, chunk = {}, string.rep("x", 1024 * 1024)
    while true do hoard[#hoard + 1] = chunk .. #hoard end
  end
  if text == "recover" then
    state.set("recovered", true)
    return reply("recovered")
  end
  return reply(text)
end

function hold(key)
  services.holdService.wait(key)
  return plugin.version
end

function count(n)
  local i = 0
  return function()
    i = i + 1
    if i <= n then return i end
  end
end

function sum(numbers)
  local total = 0
  for n in numbers do total = total + n end
  return total
end

function shout(words)
  return function()
    local word = words()
    if word then return word:upper() end
  end
end

function start()
  if config.mode == "throw-on-start" then error("configured to fail on start") end
end

function health()
  if config.mode == "degraded" and not state.get("recovered") then return config.reason or "degraded" end
end
