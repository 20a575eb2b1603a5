using System.Text;
using System.Text.Json.Nodes;
using Hotplug.Loading;
using Hotplug.Manifest;
using Hotplug.Runtimes;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

public sealed class ManifestTests
{
    /// <summary>The runtimes a host has by default, which check their own entries: what a tool passes the reader.</summary>
    private static readonly Dictionary<string, IPluginRuntime> AssemblyOnly = new() { [AssemblyRuntime.RuntimeName] = new AssemblyRuntime(new SharedAssemblyPolicy([])) };

    public static TheoryData<string, string, string?, string> BadManifests => new()
    {
        { "unknown runtime", """{ "id": "bad", "version": "1.0.0", "runtime": "cobol", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "HP1109", "field 'runtime': 'cobol' is not a runtime" },
        { "missing entry", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly" }""", "HP1105", "field 'entry': is missing" },
        { "missing entry type", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll" } }""", "HP1105", "field 'entry.type': is missing" },
        { "bad version", """{ "id": "bad", "version": "1.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "HP1108", "field 'version': '1.0' is not a semantic version" },
        { "invalid json", """{ "id": "bad", "version": "1.0.0", """, "HP1102", "is not valid JSON" },
        { "bad id", """{ "id": "Bad Id", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "HP1107", "field 'id': 'Bad Id' is not a valid plugin id" },
        { "id with a trailing newline", """{ "id": "bad\n", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "HP1107", "field 'id': 'bad\\n' is not a valid plugin id" },
        { "unknown field", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entrypoint": "x", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "HP1104", "field 'entrypoint': is not a manifest field" },
        { "bad timeout", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "callTimeout": "soon", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "HP1111", "field 'callTimeout'" },
        { "timeout past double", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "callTimeout": 1e300, "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "HP1111", "field 'callTimeout': is too long" },
        { "timeout past TimeSpan", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "callTimeout": "99999999999h", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "HP1111", "field 'callTimeout': is too long" },
        { "drain past TimeSpan", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "drainTimeout": 1e300, "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "HP1111", "field 'drainTimeout': is too long" },
        { "duplicate root key", """{ "id": "bad", "version": "1.0.0", "version": "9.0.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll", "type": "T" } }""", "HP1103", "field 'version': appears twice" },
        { "duplicate entry key", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll", "type": "T", "assembly": "Other.dll" } }""", "HP1103", "field 'entry.assembly': appears twice" },
        { "file size not a number", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll", "type": "T" }, "files": [{ "path": "x.dll", "size": "1", "sha256": "0000000000000000000000000000000000000000000000000000000000000000" }] }""", "HP1112", "field 'files[0]'" },
        { "entry outside folder", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "../x.dll", "type": "T" } }""", "HP1110", "'../x.dll' must be a path relative to the plugin folder" },
        { "missing entry assembly", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "Missing.dll", "type": "T" } }""", null, "field 'entry': 'Missing.dll' is not in the plugin folder" },
        { "missing entry type in assembly", """{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll", "type": "No.Such.Type" } }""", null, "Entry type 'No.Such.Type'" },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public async Task Load_BadManifest_RejectedWithCodeFileAndFieldWhileOthersServe(string name, string manifest, string? code, string expected)
    {
        _ = name;
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("good", "good", "1.0.0");

        var rejected = host.WaitForAsync(c => c.PluginId is "bad" or "bad-folder" && c.VersionState is PluginVersionState.Rejected or PluginVersionState.Failed);
        TestPlugins.CopyBuild(TestPlugins.Echo, host.Folder("bad-folder"));
        await File.WriteAllTextAsync(Path.Combine(host.Folder("bad-folder"), "plugin.json"), manifest);
        var change = await rejected;

        Assert.Contains(expected, change.Reason);
        if (code is not null)
        {
            Assert.StartsWith($"{code}: {Path.Combine(host.Folder("bad-folder"), "plugin.json")}", change.Reason);
        }

        var status = host.Plugins.GetPlugin("bad") ?? host.Plugins.GetPlugin("bad-folder")!;
        Assert.Contains(expected, status.LastError);
        Assert.Equal("x", (await host.Plugins.Get<IEcho>("good").EchoAsync(new EchoRequest("x"))).Text);
    }

    [Fact]
    public async Task Start_OverflowingTimeoutBesideGoodPlugins_RejectedAndTheRestOfThePassLoads()
    {
        // Before: an OverflowException aborted the pass, so plugins after the bad one in that pass were never looked at.
        await using var host = await HostFixture.StartAsync(before: fixture =>
        {
            var bad = TestPlugins.Manifest("a-overflow", "1.0.0");
            bad["callTimeout"] = 1e300;
            TestPlugins.Install(fixture.Folder("a-overflow"), bad);
            TestPlugins.Install(fixture.Folder("b-good"), TestPlugins.Manifest("b-good", "1.0.0"));
        });

        // The first pass may have run during start: look at every change since.
        await HostFixture.WaitUntilAsync(() =>
            host.Changes.Any(c => c.PluginId == "b-good" && c.VersionState == PluginVersionState.Healthy) &&
            host.Changes.Any(c => c.PluginId == "a-overflow" && c.VersionState == PluginVersionState.Rejected));
        var rejected = host.Changes.Single(c => c.PluginId == "a-overflow" && c.VersionState == PluginVersionState.Rejected);

        Assert.StartsWith("HP1111: ", rejected.Reason);
        Assert.Contains("field 'callTimeout': is too long", host.Plugins.GetPlugin("a-overflow")!.LastError);
        Assert.Equal("x", (await host.Plugins.Get<IEcho>("b-good").EchoAsync(new EchoRequest("x"))).Text);
    }

    [Fact]
    public async Task Load_InvalidJson_NamesTheManifestFile()
    {
        await using var host = await HostFixture.StartAsync();
        var rejected = host.WaitForAsync(c => c.PluginId == "broken" && c.VersionState == PluginVersionState.Rejected);
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

        var rejected = host.WaitForAsync("dup", PluginVersionState.Rejected);
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

        var rejected = host.WaitForAsync("echo", PluginVersionState.Rejected);
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

        var error = Assert.Throws<PluginManifestException>(() => ManifestReader.Parse("plugin.json", Encoding.UTF8.GetBytes(json), AssemblyOnly));

        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("""[1]""", "HP1102", null)]
    [InlineData("""{ "id": "p", "id": "q", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" } }""", "HP1103", "id")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T", "type": "U" } }""", "HP1103", "entry.type")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "config": { "db": { "host": "a", "host": "b" } } }""", "HP1103", "config.db.host")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "config": { "list": [1, { "k": 1 }, { "k": 1, "k": 2 }] } }""", "HP1103", "config.list[2].k")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "config": { "a": 1, "\u0061": 2 } }""", "HP1103", "config.a")]
    [InlineData("""{ "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" } }""", "HP1105", "id")]
    [InlineData("""{ "id": 7, "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" } }""", "HP1106", "id")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": "x.dll" }""", "HP1106", "entry")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "enabled": "yes" }""", "HP1106", "enabled")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "contracts": [""] }""", "HP1106", "contracts[0]")]
    [InlineData("""{ "id": "p\n", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" } }""", "HP1107", "id")]
    [InlineData("""{ "id": "p", "version": "1.0.0\n", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" } }""", "HP1108", "version")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "/etc/x.dll", "type": "T" } }""", "HP1110", "entry")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "callTimeout": 1e300 }""", "HP1111", "callTimeout")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "callTimeout": 1e400 }""", "HP1111", "callTimeout")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "callTimeout": "99999999999h" }""", "HP1111", "callTimeout")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "callTimeout": "25d" }""", "HP1111", "callTimeout")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "callTimeout": 2073600001 }""", "HP1111", "callTimeout")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "callTimeout": -5 }""", "HP1111", "callTimeout")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "callTimeout": -1 }""", "HP1111", "callTimeout")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "callTimeout": "-00:00:00.001" }""", "HP1111", "callTimeout")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "drainTimeout": -1 }""", "HP1111", "drainTimeout")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "drainTimeout": "infinite" }""", "HP1111", "drainTimeout")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "drainTimeout": "10675199.02:48:05" }""", "HP1111", "drainTimeout")]
    [InlineData("""{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "files": [{ "path": "x.dll", "size": "1", "sha256": "0000000000000000000000000000000000000000000000000000000000000000" }] }""", "HP1112", "files[0]")]
    public void Parse_InvalidManifest_ThrowsManifestExceptionWithCodeAndField(string json, string code, string? field)
    {
        var error = Assert.Throws<PluginManifestException>(() => ManifestReader.Parse("plugin.json", Encoding.UTF8.GetBytes(json), AssemblyOnly));

        Assert.Equal(code, error.Code);
        Assert.Equal(field, error.Field);
        Assert.StartsWith($"{code}: plugin.json: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("manifest", "HP1110", "entry.weird", "must be weird")]
    [InlineData("crash", "HP1110", "entry", "cannot read it: FormatException: unexpected")]
    [InlineData("coded", "HP1105", "entry.needed", "is missing")]
    public void Parse_RuntimeRefusesEntry_RejectionWithCodeNeverAnotherException(string mode, string code, string field, string reason)
    {
        var json = $$"""{ "id": "p", "version": "1.0.0", "runtime": "picky", "entry": { "mode": "{{mode}}" } }""";
        var runtimes = new Dictionary<string, Hotplug.Runtimes.IPluginRuntime> { ["picky"] = new PickyRuntime() };

        var error = Assert.Throws<PluginManifestException>(() => ManifestReader.Parse("/srv/p/plugin.json", Encoding.UTF8.GetBytes(json), runtimes));

        Assert.Equal(code, error.Code);
        Assert.Equal(field, error.Field);
        Assert.Equal("/srv/p/plugin.json", error.Path);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Parse_DuplicateKeyError_NamesThePluginWhenItsIdIsReadable()
    {
        var json = """{ "id": "p", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "x.dll", "type": "T" }, "enabled": true, "enabled": false }""";

        var error = Assert.Throws<PluginManifestException>(() => ManifestReader.Parse("plugin.json", Encoding.UTF8.GetBytes(json), AssemblyOnly));

        Assert.Equal(ManifestErrors.DuplicateKey, error.Code);
        Assert.Equal("p", error.PluginId);
        Assert.Contains("field 'enabled': appears twice", error.Message);
    }

    [Theory]
    [InlineData("echo", true)]
    [InlineData("a.b-c_9", true)]
    [InlineData("echo\n", false)]
    [InlineData("echo\r\n", false)]
    [InlineData("../../x", false)]
    [InlineData("Echo", false)]
    [InlineData("", false)]
    [InlineData("a123456789012345678901234567890123456789012345678901234567890123", true)]
    [InlineData("a1234567890123456789012345678901234567890123456789012345678901234", false)]
    public void IsValidId_Text_FollowsTheManifestRule(string id, bool valid)
    {
        Assert.Equal(valid, ManifestRules.IsValidId(id));
    }

    [Theory]
    [InlineData("1.0.0", true)]
    [InlineData("2.0.0-beta.1", true)]
    [InlineData("1.0", false)]
    [InlineData("1.0.0\n", false)]
    [InlineData("../../x", false)]
    public void IsValidVersion_Text_IsStrictSemVer(string version, bool valid)
    {
        Assert.Equal(valid, ManifestRules.IsValidVersion(version));
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

        var manifest = ManifestReader.Parse("plugin.json", Encoding.UTF8.GetBytes(json), AssemblyOnly);

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

    /// <summary>A runtime whose entry check fails as its <c>mode</c> says: as runtimes do, or as a bug would.</summary>
    private sealed class PickyRuntime : Hotplug.Runtimes.IPluginRuntime
    {
        public string Name => "picky";

        public Task InitializeAsync(Hotplug.Runtimes.PluginRuntimeContext context, CancellationToken cancellationToken) => Task.CompletedTask;

        public IReadOnlyList<string> ReadEntry(System.Text.Json.JsonElement entry) => entry.GetProperty("mode").GetString() switch
        {
            "manifest" => throw new PluginManifestException("plugin.json", "entry.weird", "must be weird."),
            "coded" => throw new PluginManifestException(ManifestErrors.MissingField, "plugin.json", "entry.needed", "is missing.", null),
            _ => throw new FormatException("unexpected"),
        };

        public Hotplug.Runtimes.IPluginVersion Create(Hotplug.Runtimes.PluginVersionContext context) => throw new NotSupportedException();
    }
}
