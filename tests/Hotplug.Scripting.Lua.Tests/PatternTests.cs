using Hotplug.Scripting.Lua.Tests.Infrastructure;

namespace Hotplug.Scripting.Lua.Tests;

/// <summary>
/// string.find, match, gmatch and gsub run in .NET (so an interrupt reaches them); each answers exactly as Lua's own C
/// library does: the same expressions are run by a script in the sandbox and on a plain KeraLua state.
/// </summary>
public sealed class PatternTests
{
    private const string Expressions = """
        local out = {}
        local function put(...) local t = table.pack(...) for i = 1, t.n do out[#out + 1] = tostring(t[i]) end out[#out + 1] = "|" end
        put(string.find("hello world", "o w"))
        put(string.find("hello", "l+"))
        put(string.find("hello", "l", -2))
        put(string.find("hello", "xyz"))
        put(string.find("a.b", ".", 1, true))
        put(string.find("a+b", "+", 1, true))
        put(string.find("hello", "", 10))
        put(string.find("hello", "", 6))
        put(string.find("hello", "^h"), string.find("hello", "^e"))
        put(string.find("key = value", "(%w+)%s*=%s*(%w+)"))
        put(string.match("key=val", "(%w+)=(%w+)"))
        put(string.match("  x", "()x"))
        put(string.match("hello", ".-l"), string.match("hello", ".*l"), string.match("hello", "l?lo$"))
        put(string.match("f(a(b)c)d", "%b()"))
        put(string.match("THE (quick) fox", "%f[%a]%a+"))
        put(string.match("2024-12-01", "(%d+)-(%d+)-(%d+)"))
        put(string.match("abcabc", "(a)(b)(c)%1%2%3"))
        put(string.match("[x]", "[%[]x[%]]"), string.match("a-z", "[a%-z]+"), string.match("Q9", "[^%d]"))
        put(("x=1"):match("=(%d)"), ("%d"):rep(2))
        local words = {} for w in string.gmatch("one two  three", "%a+") do words[#words + 1] = w end put(table.concat(words, ","))
        local pairs_ = {} for k, v in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do pairs_[#pairs_ + 1] = k .. v end put(table.concat(pairs_, ","))
        local empties = 0 for _ in string.gmatch("abc", "") do empties = empties + 1 end put(empties)
        put(string.gsub("hello world", "o", "0"))
        put(string.gsub("abc", "%w", "%0%0"))
        put(string.gsub("hello world", "(%w+)", "<%1>"))
        put(string.gsub("abc", "", "-"))
        put(string.gsub("hello", "^h", "H"))
        put(string.gsub("hello", "l", "L", 1))
        put(string.gsub("$name is $age", "%$(%w+)", { name = "lua", age = 31 }))
        put(string.gsub("1 2 3", "%d", function(d) return d * 2 end))
        put(string.gsub("a b", "%w", function() return nil end))
        put(string.gsub("abc", "b", "%%"))
        put(pcall(string.find, "a", "[a"))
        put(pcall(string.find, "a", "%"))
        put(pcall(string.gsub, "a", "a", "%2"))
        put(pcall(string.match, "a", "(a"))
        return table.concat(out, " ")
        """;

    [Fact]
    public async Task PatternFunctions_AnswerAsLuasOwn()
    {
        using var plain = new KeraLua.Lua(openLibs: true);
        Assert.False(plain.DoString("return (function() " + Expressions + " end)()"), plain.ToString(-1));
        var expected = plain.ToString(-1);

        await using var host = await LuaHost.StartAsync();
        var probe = await host.InstallAsync("patterns", "function run() " + Expressions + " end\nfunction reply(r) return { text = '', ids = {} } end\n");
        var actual = await probe.RunAsync("all");

        Assert.Equal(Normalize(expected), Normalize(actual));
    }

    /// <summary>Error messages name the function differently (a wrapper raised them); the rest must be equal.</summary>
    private static string Normalize(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"false \S*?:\d+: ", "false ");
}
