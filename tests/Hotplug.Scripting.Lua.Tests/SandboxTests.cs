using System.Text.Json.Nodes;
using Hotplug.Scripting.Lua.Tests.Infrastructure;

namespace Hotplug.Scripting.Lua.Tests;

/// <summary>
/// Known ways out of a Lua sandbox, each tried by a real script on one engine (pool max 1) and each shown not to work:
/// the attempt's own result says what the script could reach, and where an attempt would poison the engine, a second
/// call on the same engine shows nothing changed.
/// </summary>
public sealed class SandboxTests(SandboxTests.Fixture fixture) : IClassFixture<SandboxTests.Fixture>
{
    private const string Script = """
        local cases = {}
        local function blocked(ok) return ok and "escaped" or "blocked" end

        cases.io = function() return tostring(io) end
        cases.os = function() return tostring(os.execute) .. tostring(os.getenv) .. tostring(os.exit) .. tostring(os.remove) .. tostring(os.tmpname) end
        cases.debug = function() return tostring(debug) end
        cases.require = function() return tostring(require) .. tostring(package) end
        cases.files = function() return tostring(dofile) .. tostring(loadfile) end
        cases.binary = function()
          local f, err = load("\27LuaT\0\25\147\13\10\26\10")
          return blocked(pcall(load, "\27LuaT\0", "x", "b")) .. " " .. tostring(f) .. " " .. (err:find("binary", 1, true) and "binary refused" or err)
        end
        cases.dump = function() return tostring(string.dump) .. tostring(("").dump) end
        cases.gc = function() return blocked(pcall(collectgarbage, "collect")) .. " " .. blocked(pcall(collectgarbage, "stop")) .. " " .. math.type(collectgarbage("count")) end
        cases.poison_string = function() return blocked(pcall(function() string.format = function() return "pwned" end end)) end
        cases.check_string = function() return string.format("%d", 42) end
        cases.string_meta = function()
          return tostring(getmetatable("")) .. " " .. blocked(pcall(function() getmetatable("").__index.upper = nil end)) .. " " .. ("abc"):upper()
        end
        cases.rawset_lib = function() return blocked(pcall(rawset, string, "format", function() return "pwned" end)) .. " " .. blocked(pcall(rawset, _G, "x", 1)) end
        cases.check_rawset = function() return string.format("%s", "ok") .. " " .. tostring(x) end
        cases.setmeta = function() return blocked(pcall(setmetatable, string, {})) .. " " .. blocked(pcall(setmetatable, _G, { __index = function() return "pwned" end })) end
        cases.check_setmeta = function() return tostring(anything) end
        cases.global_meta = function() return tostring(getmetatable(_G)) .. " " .. tostring(getmetatable(string)) end
        cases.leak_write = function() _G.leaked = "yes"; leaked2 = "yes"; return "written" end
        cases.leak_check = function() return tostring(leaked) .. " " .. tostring(leaked2) .. " " .. tostring(rawget(_G, "leaked")) end
        cases.env_replace = function() _ENV = { tostring = tostring, type = type, x = "evil" }; return "replaced" end
        cases.env_check = function() return type(string) .. " " .. tostring(x) end
        cases.coroutine = function() return coroutine.wrap(function() return tostring(io) .. tostring(debug) .. tostring(require) end)() end
        cases.load_env = function()
          local a, b, c, d = load("return io, debug, require, package")()
          return tostring(a) .. tostring(b) .. tostring(c) .. tostring(d) .. " " .. blocked(pcall(load("string.rep = nil")))
        end
        cases.finalizer = function() return blocked(pcall(setmetatable, {}, { __gc = function() end })) end
        cases.rep_empty = function() return "[" .. string.rep("", 1e15) .. "]" end
        cases.move_huge = function() return blocked(pcall(table.move, {}, 1, math.maxinteger - 1, 1)) end
        cases.pairs_inner = function() local _, inner = pairs(string); return tostring(inner) end
        cases.config_write = function() return blocked(pcall(function() config.greeting = "pwned" end)) .. " " .. tostring(config.greeting) end
        cases.host_tables = function() return blocked(pcall(function() log.info = nil end)) .. " " .. blocked(pcall(function() services.greeter = nil end)) .. " " .. tostring(services.secret) end
        cases.print = function() print("printed by lua"); return "printed" end

        function run(name) return cases[name]() end
        function reply(request) return { text = request.name, ids = {} } end
        """;

    public static TheoryData<string, string, string?, string?> Escapes => new()
    {
        // No io: no files, no process streams.
        { "io", "nil", null, null },
        // os only keeps time, date, clock, difftime: no execute, getenv, exit, remove, tmpname.
        { "os", "nilnilnilnilnil", null, null },
        // No debug: no getupvalue/setupvalue/sethook/getregistry to reach the host's tables.
        { "debug", "nil", null, null },
        // No require or package: no C modules, no searchers that read files.
        { "require", "nilnil", null, null },
        // No dofile or loadfile: nothing read from disk.
        { "files", "nilnil", null, null },
        // Binary chunks (hand-made bytecode breaks the VM) are refused, whatever mode is asked for.
        { "binary", "blocked nil binary refused", null, null },
        // No string.dump, by the library or through a string's methods.
        { "dump", "nilnil", null, null },
        // collectgarbage only counts: no collect, stop or tuning.
        { "gc", "blocked blocked float", null, null },
        // Library tables are read-only: a call cannot redefine string.format for the next.
        { "poison_string", "blocked", "check_string", "42" },
        // The string metatable is hidden, and its __index is the read-only string table.
        { "string_meta", "false blocked ABC", null, null },
        // rawset does not write read-only tables (libraries, the globals proxy).
        { "rawset_lib", "blocked blocked", "check_rawset", "ok nil" },
        // Shared tables' metatables cannot be replaced.
        { "setmeta", "blocked blocked", "check_setmeta", "nil" },
        // getmetatable does not reach the base globals behind _G, nor a library's real table.
        { "global_meta", "false false", null, null },
        // What a call writes to globals (directly or through _G) is gone for the next call.
        { "leak_write", "written", "leak_check", "nil nil nil" },
        // A call that replaces _ENV (the top level's upvalue, shared by its functions) does not leave it for the next.
        { "env_replace", "replaced", "env_check", "table nil" },
        // A coroutine sees the same sandbox.
        { "coroutine", "nilnilnil", null, null },
        // A chunk load makes sees the sandbox, read-only libraries included.
        { "load_env", "nilnilnilnil blocked", null, null },
        // No __gc: no script code run by the collector, outside any call's limits.
        { "finalizer", "blocked", null, null },
        // string.rep of nothing returns at once (C would loop 1e15 times, never allocating).
        { "rep_empty", "[]", null, null },
        // table.move over a huge range is refused (C would loop without allocating).
        { "move_huge", "blocked", null, null },
        // A read-only table's pairs gives no way to its inner table.
        { "pairs_inner", "nil", null, null },
        // config is read-only.
        { "config_write", "blocked hello", null, null },
        // log, services are read-only; services not exported are not there.
        { "host_tables", "blocked blocked nil", null, null },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task Escape_DoesNotWork(string attempt, string expected, string? check, string? checkExpected)
    {
        Assert.Equal(expected, await fixture.Probe.RunAsync(attempt));
        if (check is not null)
        {
            Assert.Equal(checkExpected, await fixture.Probe.RunAsync(check));
        }
    }

    [Fact]
    public async Task Print_GoesToTheLogNotTheProcess()
    {
        Assert.Equal("printed", await fixture.Probe.RunAsync("print"));
        await fixture.Host.Logs.WhenLogged("printed by lua");
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public LuaHost Host { get; private set; } = null!;

        public IProbe Probe { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Host = await LuaHost.StartAsync();
            Probe = await Host.InstallAsync("sandbox", Script, new JsonObject { ["pool"] = new JsonObject { ["min"] = 1, ["max"] = 1 } }, new JsonObject { ["greeting"] = "hello" });
        }

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }
}
