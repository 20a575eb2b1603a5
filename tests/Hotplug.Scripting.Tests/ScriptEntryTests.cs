using System.Text.Json;

namespace Hotplug.Scripting.Tests;

public sealed class ScriptEntryTests
{
    [Fact]
    public void ScriptOnly_EveryDefaultFilledIn()
    {
        var entry = Read("""{ "script": "rules.lua" }""");

        Assert.Equal("rules.lua", entry.Script);
        Assert.Equal(ScriptPoolOptions.Default, entry.Pool);
        Assert.Equal(ScriptLimits.Default, entry.Limits);
        Assert.Equal(TimeSpan.FromSeconds(2), entry.Limits.EffectiveTimeout(TimeSpan.FromSeconds(2)));
        Assert.Equal(ScriptLimits.FallbackTimeout, entry.Limits.EffectiveTimeout(Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void PoolAndLimits_Read()
    {
        var entry = Read("""{ "script": "a/rules.js", "pool": { "min": 2, "max": 8, "queue": 5 }, "limits": { "timeout": "250ms", "memoryMb": 16, "depth": 50, "outputKb": 4 } }""");

        Assert.Equal(new ScriptPoolOptions(2, 8, 5), entry.Pool);
        Assert.Equal(new ScriptLimits(TimeSpan.FromMilliseconds(250), 16L << 20, 50, 4096), entry.Limits);
        Assert.Equal(TimeSpan.FromMilliseconds(250), entry.Limits.EffectiveTimeout(TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData("""{ }""", "entry.script")]
    [InlineData("""{ "script": "../up.lua" }""", "entry.script")]
    [InlineData("""{ "script": "/etc/passwd" }""", "entry.script")]
    [InlineData("""{ "script": "a.lua", "pool": { "min": 5, "max": 2 } }""", "entry.pool.min")]
    [InlineData("""{ "script": "a.lua", "pool": { "max": 0 } }""", "entry.pool.max")]
    [InlineData("""{ "script": "a.lua", "pool": 3 }""", "entry.pool")]
    [InlineData("""{ "script": "a.lua", "limits": { "timeout": "soon" } }""", "entry.limits.timeout")]
    [InlineData("""{ "script": "a.lua", "limits": { "timeout": -5 } }""", "entry.limits.timeout")]
    [InlineData("""{ "script": "a.lua", "limits": { "memoryMb": 1.5 } }""", "entry.limits.memoryMb")]
    public void BadField_RefusedNamingIt(string json, string field)
    {
        var error = Assert.Throws<PluginManifestException>(() => Read(json));

        Assert.Equal(field, error.Field);
    }

    private static ScriptEntry Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ScriptEntry.Read(document.RootElement.Clone());
    }
}
