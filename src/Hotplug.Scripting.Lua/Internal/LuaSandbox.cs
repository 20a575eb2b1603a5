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
local concat, move, rawfind = table.concat, table.move, string.find
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
-- find, match, gmatch and gsub search in .NET (H.scan), which stops when the call is interrupted: in C a
-- backtracking pattern or a long plain search never reaches an instruction the interrupt could stop.
do
  local scan, sub, tointeger, pack, unpack = H.scan, string.sub, math.tointeger, table.pack, table.unpack
  local function str(v, n, name)
    local t = type(v)
    if t == "string" then return v end
    if t == "number" then return tostring(v) end
    error("bad argument #" .. n .. " to '" .. name .. "' (string expected, got " .. (v == nil and "no value" or t) .. ")", 3)
  end
  local function int(v, n, name, default)
    if v == nil then return default end
    local i = tointeger(v)
    if i == nil then error("bad argument #" .. n .. " to '" .. name .. "' (number has no integer representation)", 3) end
    return i
  end
  local function from(init, len)
    if init > 0 then return init - 1 elseif init == 0 or init < -len then return 0 end
    return len + init
  end
  local function raise(code, ...)
    if code ~= 0 then error((...), 3) end
    return ...
  end
  local function found(s, st, e, ...)
    if st == nil then return nil end
    if select("#", ...) == 0 then return sub(s, st + 1, e) end
    return ...
  end
  local function findresult(st, e, ...)
    if st == nil then return nil end
    return st + 1, e, ...
  end
  sstring.find = function(s, p, init, plain)
    s, p = str(s, 1, "find"), str(p, 2, "find")
    local i = from(int(init, 3, "find", 1), #s)
    if i > #s then return nil end
    return findresult(raise(scan(s, p, i, -1, 0, plain and true or false)))
  end
  sstring.match = function(s, p, init)
    s, p = str(s, 1, "match"), str(p, 2, "match")
    local i = from(int(init, 3, "match", 1), #s)
    if i > #s then return nil end
    return found(s, raise(scan(s, p, i, -1, 1, false)))
  end
  sstring.gmatch = function(s, p, init)
    s, p = str(s, 1, "gmatch"), str(p, 2, "gmatch")
    local src, last = from(int(init, 3, "gmatch", 1), #s), -1
    if src > #s then src = #s + 1 end
    local function step(st, e, ...)
      if st == nil then return nil end
      src, last = e, e
      return found(s, st, e, ...)
    end
    return function() return step(raise(scan(s, p, src, last, 2, false))) end
  end
  local function expand(repl, whole, r)
    if not rawfind(repl, "%", 1, true) then return repl end
    local out, i, n = {}, 1, #repl
    while i <= n do
      local c = sub(repl, i, i)
      if c == "%" then
        i = i + 1
        local d = sub(repl, i, i)
        local k = tointeger(tonumber(d))
        if d == "%" then out[#out + 1] = "%"
        elseif k == nil then error("invalid use of '%' in replacement string", 4)
        elseif k == 0 or (k == 1 and r.n == 2) then out[#out + 1] = whole
        elseif k > r.n - 2 then error("invalid capture index %" .. k, 4)
        else out[#out + 1] = tostring(r[k + 2]) end
      else
        out[#out + 1] = c
      end
      i = i + 1
    end
    return concat(out)
  end
  sstring.gsub = function(s, p, repl, max)
    s, p = str(s, 1, "gsub"), str(p, 2, "gsub")
    local tr = type(repl)
    if tr == "number" then repl, tr = tostring(repl), "string" end
    if tr ~= "string" and tr ~= "table" and tr ~= "function" then
      error("bad argument #3 to 'gsub' (string/function/table expected, got " .. (repl == nil and "no value" or tr) .. ")", 2)
    end
    max = int(max, 4, "gsub", #s + 1)
    local anchor = sub(p, 1, 1) == "^"
    local out, src, last, n = {}, 0, -1, 0
    while n < max do
      local r = pack(raise(scan(s, p, src, last, 3, false)))
      local st, e = r[1], r[2]
      if st == nil then break end
      n = n + 1
      if st > src then out[#out + 1] = sub(s, src + 1, st) end
      local whole, value = sub(s, st + 1, e), nil
      if tr == "string" then
        value = expand(repl, whole, r)
      else
        if tr == "table" then value = repl[r.n > 2 and r[3] or whole]
        elseif r.n > 2 then value = repl(unpack(r, 3, r.n))
        else value = repl(whole) end
        if value == nil or value == false then value = whole
        elseif type(value) ~= "string" and type(value) ~= "number" then
          error("invalid replacement value (a " .. type(value) .. ")", 2)
        end
      end
      out[#out + 1] = tostring(value)
      src, last = e, e
      if anchor then break end
    end
    if n == 0 then return s, 0 end
    out[#out + 1] = sub(s, src + 1)
    return concat(out), n
  end
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
  -- An interrupt raises from inside a hook, where Lua runs xpcall's handler with hooks off: once interrupted, the
  -- script's handler is skipped, so it cannot loop where nothing stops it.
  xpcall = function(f, msgh, ...)
    local interrupted = H.interrupted
    return xpcall(f, function(...) if interrupted() then return ... end return msgh(...) end, ...)
  end,
  getmetatable = getmetatable, _VERSION = _VERSION,
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
