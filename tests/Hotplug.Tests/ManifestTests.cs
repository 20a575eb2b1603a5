using System.Text;
using System.Text.Json.Nodes;
using Hotplug.Manifest;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

public sealed class ManifestTests
{
    public static TheoryData<string, string, string> BadManifests => new()
    {
        { "unknown runtime", """{ "id": "bad", "version": "1.0.0", "runtime": "cobol", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "field 'runtime': 'cobol' is not a runtime" },
        { "missing entry", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly" }""", "field 'entry': is missing" },
        { "missing entry type", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll" } }""", "field 'entry.type': is missing" },
        { "bad version", """{ "id": "bad", "version": "1.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "field 'version': '1.0' is not a semantic version" },
        { "invalid json", """{ "id": "bad", "version": "1.0.0", """, "is not valid JSON" },
        { "bad id", """{ "id": "Bad Id", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "field 'id': 'Bad Id' is not a valid plugin id" },
        { "unknown field", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entrypoint": "x", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "field 'entrypoint': is not a manifest field" },
        { "bad timeout", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "callTimeout": "soon", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "field 'callTimeout'" },
        { "entry outside folder", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "../x.dll", "type": "T" } }""", "'../x.dll' must be a path relative to the plugin folder" },
        { "missing entry assembly", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "Missing.dll", "type": "T" } }""", "field 'entry': 'Missing.dll' is not in the plugin folder" },
        { "missing entry type in assembly", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll", "type": "No.Such.Type" } }""", "Entry type 'No.Such.Type'" },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public async Task Load_BadManifest_RejectedWithFileAndFieldWhileOthersServe(string name, string manifest, string expected)
    {
        _ = name;
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("good", "good", "1.0.0");

        var rejected = host.WaitForAsync(c => c.PluginId is "bad" or "bad-folder" && c.State is PluginState.Rejected or PluginState.Failed);
        TestPlugins.CopyBuild(TestPlugins.Echo, host.Folder("bad-folder"));
        await File.WriteAllTextAsync(Path.Combine(host.Folder("bad-folder"), "plugin.json"), manifest);
        var change = await rejected;

        Assert.Contains(expected, change.Reason);
        var status = host.Plugins.GetPlugin("bad") ?? host.Plugins.GetPlugin("bad-folder")!;
        Assert.Contains(expected, status.LastError);
        Assert.Equal("x", (await host.Plugins.Get<IEcho>("good").EchoAsync(new EchoRequest("x"))).Text);
    }

    [Fact]
    public async Task Load_InvalidJson_NamesTheManifestFile()
    {
        await using var host = await HostFixture.StartAsync();
        var rejected = host.WaitForAsync(c => c.PluginId == "broken" && c.State == PluginState.Rejected);
        Directory.CreateDirectory(host.Folder("broken"));
        await File.WriteAllTextAsync(Path.Combine(host.Folder("broken"), "plugin.json"), "{ not json");

        var change = await rejected;

        Assert.Contains(Path.Combine(host.Folder("broken"), "plugin.json"), change.Reason);
        Assert.Contains("line 1", change.Reason);
    }

    [Fact]
    public async Task Load_DuplicateId_SecondFolderRejectedFirstKeepsServing()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("a-first", "dup", "1.0.0");

        var rejected = host.WaitForAsync("dup", PluginState.Rejected);
        TestPlugins.Install(host.Folder("b-second"), TestPlugins.Manifest("dup", "9.0.0"));
        var change = await rejected;

        Assert.Contains("duplicate id 'dup'", change.Reason);
        Assert.Contains(Path.Combine(host.Folder("b-second"), "plugin.json"), change.Reason);
        Assert.Contains(Path.Combine(host.Folder("a-first"), "plugin.json"), change.Reason);
        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("dup").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Upgrade_BrokenManifestOverRunningPlugin_RejectedAndLastGoodVersionKeepsServing()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");

        var rejected = host.WaitForAsync("echo", PluginState.Rejected);
        await File.WriteAllTextAsync(Path.Combine(host.Folder("echo"), "plugin.json"), """{ "id": "echo", "version": "two" }""");
        await rejected;

        var status = host.Plugins.GetPlugin("echo")!;
        Assert.Equal(PluginState.Healthy, status.State);
        Assert.Contains("field 'version'", status.LastError);
        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Theory]
    [InlineData("""[{ "path": "../x.dll", "size": 1, "sha256": "0000000000000000000000000000000000000000000000000000000000000000" }]""", "files[0]")]
    [InlineData("""[{ "path": "x.dll", "size": -1, "sha256": "0000000000000000000000000000000000000000000000000000000000000000" }]""", "files[0]")]
    [InlineData("""[{ "path": "x.dll", "size": 1, "sha256": "ABC" }]""", "files[0]")]
    [InlineData("""[{ "path": "x.dll", "size": 1, "sha256": "0000000000000000000000000000000000000000000000000000000000000000", "mode": 7 }]""", "files[0].mode")]
    [InlineData("""[{ "path": "x.dll", "size": 1, "sha256": "0000000000000000000000000000000000000000000000000000000000000000" }, { "path": "x.dll", "size": 1, "sha256": "0000000000000000000000000000000000000000000000000000000000000000" }]""", "files[1]")]
    [InlineData("{}", "files")]
    public void Parse_BadFileList_NamesTheEntry(string files, string field)
    {
        var json = $$"""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "files": {{files}} }""";

        var error = Assert.Throws<PluginManifestException>(() => ManifestReader.Parse("plugin.json", Encoding.UTF8.GetBytes(json)));

        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5000)]
    [InlineData("2m", 120000)]
    [InlineData("00:00:03", 3000)]
    [InlineData("1.5s", 1500)]
    public void TryParseDuration_Forms_Parse(string text, double milliseconds)
    {
        Assert.True(ManifestDurations.TryParse(text, out var value));
        Assert.Equal(milliseconds, value.TotalMilliseconds);
    }

    [Fact]
    public void Parse_FullManifest_ReadsEveryField()
    {
        var json = """
            {
              "id": "ranker", "version": "1.2.0-beta.1", "runtime": "assembly",
              "entry": { "assembly": "Ranker.dll", "type": "Ranker.Plugin" },
              "contracts": ["ranking/v1"], "callTimeout": "2s", "drainTimeout": 1500, "enabled": false,
              "config": { "boost": 2 }
            }
            """;

        var manifest = ManifestReader.Parse("plugin.json", Encoding.UTF8.GetBytes(json));

        Assert.Equal("ranker", manifest.Id);
        Assert.Equal("1.2.0-beta.1", manifest.VersionText);
        Assert.Equal(["Ranker.dll"], manifest.EntryFiles);
        Assert.Equal("Ranker.Plugin", manifest.Entry.GetProperty("type").GetString());
        Assert.Equal(["ranking/v1"], manifest.Contracts);
        Assert.Equal(TimeSpan.FromSeconds(2), manifest.CallTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), manifest.DrainTimeout);
        Assert.False(manifest.Enabled);
        Assert.Equal(2, manifest.Config!.Value.GetProperty("boost").GetInt32());
    }

    [Fact]
    public void Schema_CoversEveryFieldTheReaderKnows()
    {
        var schemaPath = Path.Combine(AppContext.BaseDirectory, "plugin.schema.json");
        var schema = JsonNode.Parse(File.ReadAllText(schemaPath))!;
        var properties = schema["properties"]!.AsObject().Select(p => p.Key).ToHashSet();

        Assert.Superset(new HashSet<string> { "id", "version", "runtime", "entry", "contracts", "callTimeout", "drainTimeout", "enabled", "config" }, properties);
    }
}
