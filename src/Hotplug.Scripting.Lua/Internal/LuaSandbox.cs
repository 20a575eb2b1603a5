namespace Hotplug.Scripting.Lua.Internal;

/// <summary>
/// The Lua code that builds what a script sees, run once per engine with the full libraries before any script
/// code: read-only copies of the allowed libraries, wrappers that return a .NET callback's outcome to Lua and raise
/// errors in Lua (never in .NET), and the globals proxy whose writes go to a table the host drops after each call.
/// </summary>
/// <remarks>
/// Arguments: <c>H</c>, the host's callbacks (C closures that never raise), and <c>desc</c>, plain tables with the
/// plugin's identity, config and service names. Returns the globals proxy, its metatable, the metatable of each
/// call's globals table, the script's base globals and the control table the host updates between calls.
/// </remarks>
internal static class LuaSandbox
{
    public const string Source = """
local H, desc = ...
local assert, error, ipairs, next, pairs, pcall, rawequal, rawget, rawlen, rawset, select, setmetatable, getmetatable,
      tonumber, tostring, type, xpcall, load, collectgarbage =
      assert, error, ipairs, next, pairs, pcall, rawequal, rawget, rawlen, rawset, select, setmetatable, getmetatable,
      tonumber, tostring, type, xpcall, load, collectgarbage
local concat, move = table.concat, table.move
local co_create, co_resume, co_running, co_isyieldable, co_yield, co_status = coroutine.create, coroutine.resume,
      coroutine.running, coroutine.isyieldable, coroutine.yield, coroutine.status
local PENDING = H.pending
local ctl = { tracked = {} }

-- Tables a script must not write, raw or not: read-only proxies, the globals proxy, the base globals.
local ro = setmetatable({}, { __mode = "k" })

local function readonly(t, name)
  local proxy = {}
  setmetatable(proxy, {
    __index = t,
    __newindex = function() error(name .. " is read-only", 2) end,
    __len = function() return #t end,
    __pairs = function()
      local k
      return function() local v; k, v = next(t, k); return k, v end
    end,
    __metatable = false,
  })
  ro[proxy] = true
  return proxy
end

local function copy(src, names)
  local t = {}
  for _, n in ipairs(names) do t[n] = src[n] end
  return t
end

local function deep(t, name)
  if type(t) ~= "table" then return t end
  local c = {}
  for k, v in pairs(t) do c[k] = deep(v, name .. "." .. tostring(k)) end
  return readonly(c, name)
end

-- string: no dump; rep of nothing is nothing (C would loop n times copying zero bytes).
local sstring = copy(string, { "byte", "char", "find", "format", "gmatch", "gsub", "len", "lower", "match", "pack",
  "packsize", "rep", "reverse", "sub", "unpack", "upper" })
local rep = string.rep
sstring.rep = function(s, n, sep)
  local ls, lsep = type(s) == "number" and tostring(s) or s, sep == nil and "" or sep
  if type(ls) == "string" and type(lsep) == "string" and #ls + #lsep == 0 and type(n) == "number" then return "" end
  return rep(s, n, sep)
end
if H.find then
  sstring.find, sstring.match, sstring.gmatch, sstring.gsub = H.find(sstring)
end

local stable = copy(table, { "concat", "insert", "move", "pack", "remove", "sort", "unpack" })
stable.move = function(a1, f, e, t, a2)
  if type(f) == "number" and type(e) == "number" and e - f > 16777216 then error("table.move: too many elements", 2) end
  return move(a1, f, e, t, a2)
end

local smath = copy(math, { "abs", "ceil", "cos", "deg", "exp", "floor", "fmod", "huge", "log", "max", "maxinteger",
  "min", "mininteger", "modf", "pi", "rad", "random", "randomseed", "sin", "sqrt", "tan", "tointeger", "type", "ult", "acos",
  "asin", "atan" })
local sutf8 = copy(utf8, { "char", "charpattern", "codepoint", "codes", "len", "offset" })
local sos = copy(os, { "clock", "date", "difftime", "time" })

-- Coroutines the script makes are tracked, so that an interrupt reaches the one running.
local function track(co)
  local t = ctl.tracked
  if not t[co] then t[co] = true; H.track(co) end
end
local function resume(co, ...)
  if type(co) == "thread" then track(co) end
  return co_resume(co, ...)
end
local function create(f)
  local co = co_create(f)
  track(co)
  return co
end
local function unwrap(ok, ...)
  if ok then return ... end
  local err = ...
  if type(err) == "string" then error(err, 2) end
  error(err, 0)
end
local scoroutine = copy(coroutine, { "close", "isyieldable", "running", "status", "yield" })
scoroutine.create, scoroutine.resume = create, resume
scoroutine.wrap = function(f)
  local co = create(f)
  return function(...) return unwrap(resume(co, ...)) end
end

-- The host's callbacks return (code, value): 0 a value, 1 an error to raise here, 2 the host must wait (yield to it
-- when the call's own thread may yield; the host resumes with the outcome), 3 a stream's end.
local function outcome(code, value)
  if code == 2 then code, value = co_yield(PENDING) end
  if code == 0 then return value end
  if code == 3 then return nil end
  error(value, 3)
end
local function yieldable()
  return co_running() == ctl.thread and co_isyieldable()
end

local function text(...)
  local n, parts = select("#", ...), {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  return concat(parts, "\t")
end
local function logger(level) return function(...) H.log(level, text(...)) end end
local slog = { debug = logger(0), info = logger(1), warn = logger(2), error = logger(3) }

local sstate = {
  get = function(key) return H.get(tostring(key)) end,
  set = function(key, value)
    local err = H.set(tostring(key), value)
    if err then error(err, 2) end
  end,
}

local sservices = {}
for si, service in ipairs(desc.services) do
  local methods = {}
  for mi, name in ipairs(service.methods) do
    methods[name] = function(...) return outcome(H.service(si, mi, yieldable(), ...)) end
  end
  sservices[service.name] = readonly(methods, "services." .. service.name)
end

ctl.items = function(slot)
  return function() return outcome(H.item(slot, yieldable())) end
end
ctl.iterate = function(v)
  local kind = type(v)
  if kind == "function" then return v end
  if kind == "thread" then
    return function()
      if co_status(v) == "dead" then return nil end
      return unwrap(resume(v))
    end
  end
  if kind == "table" then
    local i = 0
    return function() i = i + 1; return v[i] end
  end
  return nil
end

local function protect_meta(t, mt)
  if ro[t] then error("cannot change the metatable of a read-only table", 3) end
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then error("__gc metamethods are not allowed", 3) end
end

local base = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall, rawequal = rawequal,
  rawget = rawget, rawlen = rawlen, select = select, tonumber = tonumber, tostring = tostring, type = type,
  xpcall = xpcall, getmetatable = getmetatable, _VERSION = _VERSION,
  setmetatable = function(t, mt) protect_meta(t, mt); return setmetatable(t, mt) end,
  rawset = function(t, k, v)
    if ro[t] then error("cannot write a read-only table", 2) end
    return rawset(t, k, v)
  end,
  collectgarbage = function(opt)
    if opt == "count" then return collectgarbage("count") end
    error("collectgarbage: only \"count\" is allowed", 2)
  end,
  print = slog.info,
  string = readonly(sstring, "string"), table = readonly(stable, "table"), math = readonly(smath, "math"),
  utf8 = readonly(sutf8, "utf8"), os = readonly(sos, "os"), coroutine = readonly(scoroutine, "coroutine"),
  log = readonly(slog, "log"), state = readonly(sstate, "state"), config = deep(desc.config, "config"),
  plugin = readonly(desc.plugin, "plugin"), services = readonly(sservices, "services"),
}

-- During the top level, globals go to the base; for each call, to a table of the call's own (see the host).
local pmt = { __index = base, __newindex = base, __metatable = false }
local P = setmetatable({}, pmt)
local cmt = { __index = base, __metatable = false }
base._G = P
base.load = function(chunk, name, mode, env)
  if mode ~= nil and mode ~= "t" then error("load: only text chunks can be loaded (mode \"t\")", 2) end
  if env == nil then env = P end
  return load(chunk, name, "t", env)
end
ro[P], ro[base] = true, true

-- Strings' methods come from the read-only string table, and their metatable is hidden.
local smt = getmetatable("")
smt.__index = base.string
smt.__metatable = false

return P, pmt, cmt, base, ctl
""";
}
