namespace Hotplug.Scripting.CSharp.Tests;

/// <summary>Versions that cannot be built or loaded fail their start, saying what is wrong and where.</summary>
public sealed class BuildFailureTests
{
    private const string Entry = """{ "sources": ["Rule.cs"], "type": "Rules.Rule" }""";

    [Fact]
    public async Task Start_CompileError_ReportedAsFileLineColumnErrorCodeAndMessage()
    {
        using var harness = new RuntimeHarness();
        var version = harness.Create(Entry, Source("namespace Rules;\npublic sealed class Rule : PluginBase\n{\n    private int _x = 1\n}\n"), "test.rules/v1");

        var error = await Assert.ThrowsAsync<PluginStartException>(() => version.StartAsync(CancellationToken.None));

        Assert.Contains("Rule.cs(4,23): error CS1002: ; expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ManyErrors_FirstTenListedAndTheRestCounted()
    {
        using var harness = new RuntimeHarness();
        var body = string.Concat(Enumerable.Range(0, 12).Select(i => $"    int M{i}() => undefined{i};\n"));
        var version = harness.Create(Entry, Source($"namespace Rules;\npublic sealed class Rule : PluginBase\n{{\n{body}}}\n"), "test.rules/v1");

        var error = await Assert.ThrowsAsync<PluginStartException>(() => version.StartAsync(CancellationToken.None));

        Assert.Contains("12 compile error(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Rule.cs(13,", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Rule.cs(15,", error.Message, StringComparison.Ordinal);
        Assert.Contains("and 2 more", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ProcessWithoutItsReference_DoesNotCompile()
    {
        using var harness = new RuntimeHarness();
        var version = harness.Create(Entry, Source(RuleUsing("System.Diagnostics.Process.Start(\"sh\");")), "test.rules/v1");

        var error = await Assert.ThrowsAsync<PluginStartException>(() => version.StartAsync(CancellationToken.None));

        Assert.Contains("error CS0234: The type or namespace name 'Process' does not exist in the namespace 'System.Diagnostics'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ProcessWithItsReference_Compiles()
    {
        using var harness = new RuntimeHarness();
        var version = harness.Create(
            """{ "sources": ["Rule.cs"], "type": "Rules.Rule", "references": ["System.Diagnostics.Process"] }""",
            Source(RuleUsing("_ = typeof(System.Diagnostics.Process);")),
            "test.rules/v1");

        await version.StartAsync(CancellationToken.None);

        Assert.Contains(typeof(IRules), version.ContractTypes);
        await version.ReleaseAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    [Fact]
    public async Task Start_UnknownReference_NamesTheField()
    {
        using var harness = new RuntimeHarness();
        var version = harness.Create(
            """{ "sources": ["Rule.cs"], "type": "Rules.Rule", "references": ["System.Text.Json", "Acme.Nowhere"] }""",
            Source(RuleUsing(string.Empty)),
            "test.rules/v1");

        var error = await Assert.ThrowsAsync<PluginStartException>(() => version.StartAsync(CancellationToken.None));

        Assert.Contains("entry.references[1] 'Acme.Nowhere' is neither an assembly of the host", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PatternMatchesNothing_NamesTheSource()
    {
        using var harness = new RuntimeHarness();
        var version = harness.Create("""{ "sources": ["Rule.cs", "Rules/*.cs"], "type": "Rules.Rule" }""", Source(RuleUsing(string.Empty)), "test.rules/v1");

        var error = await Assert.ThrowsAsync<PluginStartException>(() => version.StartAsync(CancellationToken.None));

        Assert.Contains("entry.sources[1] 'Rules/*.cs' matches no file in the plugin folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_TypeMissing_NamesTheType()
    {
        using var harness = new RuntimeHarness();
        var version = harness.Create("""{ "sources": ["Rule.cs"], "type": "Rules.Nope" }""", Source(RuleUsing(string.Empty)), "test.rules/v1");

        var error = await Assert.ThrowsAsync<PluginException>(() => version.StartAsync(CancellationToken.None));

        Assert.Contains("Entry type 'Rules.Nope' (manifest field 'entry.type') is not in the build of entry.sources", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_TypeDoesNotImplementTheContract_SaysWhatItProvides()
    {
        using var harness = new RuntimeHarness();
        var version = harness.Create(Entry, Source("namespace Rules;\npublic sealed class Rule : PluginBase\n{\n}\n"), "test.rules/v1");

        var error = await Assert.ThrowsAsync<PluginException>(() => version.StartAsync(CancellationToken.None));

        Assert.Contains("lists contract(s) test.rules/v1 but 'Rules.Rule' provides none", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ContractTheHostDoesNotHave_Refused()
    {
        using var harness = new RuntimeHarness();
        var version = harness.Create(Entry, Source(RuleUsing(string.Empty)), "test.rules/v1", "nowhere/v1");

        var error = await Assert.ThrowsAsync<PluginStartException>(() => version.StartAsync(CancellationToken.None));

        Assert.Contains("contract 'nowhere/v1' is not declared by any assembly this host has", error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Source(string text) => new() { ["Rule.cs"] = text };

    /// <summary>A rule whose answer runs <paramref name="statement"/> first.</summary>
    private static string RuleUsing(string statement) => $$"""
        using Hotplug.Scripting.CSharp.Tests;

        namespace Rules;

        public sealed class Rule : PluginBase, IRules
        {
            public ValueTask<RuleReply> ApplyAsync(RuleRequest request, CancellationToken cancellationToken = default)
            {
                {{statement}}
                return ValueTask.FromResult(new RuleReply("rule", request.Value));
            }
        }
        """;
}
