using System.Text.Json;

namespace Hotplug.Scripting.CSharp.Tests;

/// <summary>The manifest's <c>entry</c> for C# sources: what is accepted, and each refusal naming its field.</summary>
public sealed class EntryTests
{
    private static readonly CSharpSourceRuntime Runtime = new(Microsoft.Extensions.Options.Options.Create(new AssemblyRuntimeOptions()));

    [Fact]
    public void ReadEntry_FilesPatternsAndFolders_NamesOnlyTheFilesThatMustBePresent()
    {
        var files = Read("""{ "sources": ["Ranker.cs", "Rules/*.cs", "Rules/**/*.cs", "Lib"], "type": "Rules.Ranker", "references": ["System.Text.Json"] }""");

        Assert.Equal(["Ranker.cs"], files);
    }

    [Fact]
    public void ReadEntry_OneSourceAsAString_Accepted() =>
        Assert.Equal(["Ranker.cs"], Read("""{ "sources": "Ranker.cs", "type": "Rules.Ranker" }"""));

    public static TheoryData<string, string, string> Refusals => new()
    {
        { """{ "type": "Rules.Ranker" }""", "entry.sources", "is missing" },
        { """{ "sources": [], "type": "Rules.Ranker" }""", "entry.sources", "at least one" },
        { """{ "sources": 3, "type": "Rules.Ranker" }""", "entry.sources", "not a number" },
        { """{ "sources": ["A.cs", 7], "type": "Rules.Ranker" }""", "entry.sources[1]", "must be a string" },
        { """{ "sources": ["../Other/A.cs"], "type": "Rules.Ranker" }""", "entry.sources[0]", "inside it" },
        { """{ "sources": ["/etc/A.cs"], "type": "Rules.Ranker" }""", "entry.sources[0]", "inside it" },
        { """{ "sources": ["R*/A.cs"], "type": "Rules.Ranker" }""", "entry.sources[0]", "last part only" },
        { """{ "sources": ["**/Rules/*.cs"], "type": "Rules.Ranker" }""", "entry.sources[0]", "last part only" },
        { """{ "sources": ["A.cs"] }""", "entry.type", "is missing" },
        { """{ "sources": ["A.cs"], "type": " " }""", "entry.type", "must not be empty" },
        { """{ "sources": ["A.cs"], "type": "Rules.Ranker", "references": "System.Text.Json" }""", "entry.references", "must be an array" },
        { """{ "sources": ["A.cs"], "type": "Rules.Ranker", "references": ["lib/Acme.dll"] }""", "entry.references[0]", "simple assembly name" },
        { """{ "sources": ["A.cs"], "type": "Rules.Ranker", "references": ["System.Text.Json", "Acme.dll"] }""", "entry.references[1]", "simple assembly name" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void ReadEntry_Invalid_RefusedNamingTheField(string entry, string field, string reason)
    {
        var error = Assert.Throws<PluginManifestException>(() => Read(entry));

        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    private static IReadOnlyList<string> Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Runtime.ReadEntry(document.RootElement);
    }
}
