namespace Hotplug.Scripting.CSharp.Tests;

/// <summary>
/// What the reference list keeps out of a build, one API each, and — because a C# source plugin is trusted code, not
/// sandboxed — what it does not keep out: those compile, and the docs say so.
/// </summary>
public sealed class ReferenceListTests
{
    /// <summary>APIs whose assembly is not on the list: each use fails to compile, naming the type.</summary>
    public static TheoryData<string, string> OutsideTheList => new()
    {
        { "System.Diagnostics.Process.Start(\"sh\");", "Process" },
        { "_ = new System.Net.Http.HttpClient();", "Http" },
        { "_ = new System.Net.Sockets.TcpClient(\"localhost\", 80);", "Sockets" },
        { "_ = System.Net.Dns.GetHostName();", "Dns" },
        { "_ = new System.Net.WebSockets.ClientWebSocket();", "WebSockets" },
        { "_ = new System.Net.NetworkInformation.Ping();", "NetworkInformation" },
        { "_ = new System.Net.Mail.SmtpClient();", "Mail" },
        { "_ = new System.IO.Pipes.NamedPipeClientStream(\"p\");", "Pipes" },
        { "_ = new System.IO.FileSystemWatcher(\"/\");", "FileSystemWatcher" },
        { "System.IO.Compression.ZipFile.ExtractToDirectory(\"a.zip\", \"/\");", "Compression" },
        { "System.Console.WriteLine(\"out\");", "Console" },
        { "_ = System.Text.Json.JsonSerializer.Serialize(1);", "Json" },
        { "_ = new System.Xml.XmlDocument();", "Xml" },
        { "_ = System.Security.Cryptography.Aes.Create();", "Aes" },
        { "_ = System.Linq.Expressions.Expression.Constant(1);", "Expressions" },
        { "_ = new System.Data.DataTable();", "Data" },
        { "_ = Microsoft.Win32.Registry.CurrentUser;", "Registry" },
    };

    /// <summary>APIs in <c>System.Private.CoreLib</c>, which every build references: they compile. Not a sandbox.</summary>
    public static TheoryData<string> InsideTheList => new()
    {
        "_ = System.IO.File.ReadAllText(\"/etc/hostname\");",
        "System.Environment.Exit(1);",
        "_ = System.Environment.GetEnvironmentVariable(\"HOME\");",
        "_ = System.Type.GetType(\"Hotplug.PluginHost, Hotplug\")?.GetMethods();",
        "_ = System.Runtime.Loader.AssemblyLoadContext.Default.Assemblies;",
        "_ = System.Runtime.InteropServices.NativeLibrary.Load(\"libc.so.6\");",
        "new System.Threading.Thread(() => { }).Start();",
    };

    [Theory]
    [MemberData(nameof(OutsideTheList))]
    public async Task Build_ApiOutsideTheReferenceList_DoesNotCompile(string statement, string name)
    {
        using var harness = new RuntimeHarness();
        var version = harness.Create(Entry, Source(statement), "test.rules/v1");

        var error = await Assert.ThrowsAsync<PluginStartException>(() => version.StartAsync(CancellationToken.None));

        Assert.Matches($@"Rule\.cs\(\d+,\d+\): error CS02(34|46): The type or namespace name '{name}' ", error.Message);
        Assert.Equal(0, harness.Runtime.Builder.CacheHits);
    }

    [Theory]
    [MemberData(nameof(InsideTheList))]
    public async Task Build_CoreLibApi_CompilesBecauseTheListIsNotASandbox(string statement)
    {
        using var harness = new RuntimeHarness();
        var version = harness.Create(Entry, Source(statement), "test.rules/v1");

        await version.StartAsync(CancellationToken.None);

        Assert.Contains(typeof(IRules), version.ContractTypes);
        await version.ReleaseAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    private const string Entry = """{ "sources": ["Rule.cs"], "type": "Rules.Rule" }""";

    /// <summary>A rule with <paramref name="statement"/> in a method nothing calls: compiled, never run.</summary>
    private static Dictionary<string, string> Source(string statement) => new()
    {
        ["Rule.cs"] = $$"""
            using Hotplug.Scripting.CSharp.Tests;

            namespace Rules;

            public sealed class Rule : PluginBase, IRules
            {
                public ValueTask<RuleReply> ApplyAsync(RuleRequest request, CancellationToken cancellationToken = default) =>
                    ValueTask.FromResult(new RuleReply("rule", request.Value));

                private static void NeverCalled()
                {
                    {{statement}}
                }
            }
            """,
    };
}
