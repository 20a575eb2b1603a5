using Hotplug.Runtimes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Hotplug.TestSupport;

namespace Hotplug.Scripting.CSharp.Tests;

/// <summary>A contract the host tests' C# plugins implement.</summary>
[PluginContract("test.rules/v1")]
public interface IRules
{
    /// <summary>Applies the plugin's rule to a value.</summary>
    ValueTask<RuleReply> ApplyAsync(RuleRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What to apply a rule to.</summary>
public sealed record RuleRequest(int Value);

/// <summary>Which rule answered, and its result.</summary>
public sealed record RuleReply(string Rule, int Value);

/// <summary>
/// A real host with the csharp runtime over a plugins and a state folder (given, to start a second host on the same
/// state), unsigned packages allowed and a short stability window, as a developer's host that reloads on save.
/// </summary>
internal sealed class CSharpHost : IAsyncDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly IHost _host;
    private readonly bool _ownsRoot;
    private readonly StateChanges _changes;

    public CSharpHost(string? root = null)
    {
        _ownsRoot = root is null;
        Root = root ?? Path.Combine(Path.GetTempPath(), "hotplug-csharp", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = Path.Combine(Root, "plugins");
                o.StatePath = Path.Combine(Root, "state");
                o.StabilityWindow = TimeSpan.FromMilliseconds(100);
                o.RescanInterval = TimeSpan.FromSeconds(1);
                o.UnloadTimeout = TimeSpan.FromSeconds(20);
                o.RequireSignedPackages = false;
            })
            .AddCSharpScriptRuntime();
        _host = builder.Build();
        Plugins = _host.Services.GetRequiredService<IPluginHost>();
        _changes = new StateChanges(Plugins, Guard);
    }

    public string Root { get; }

    public IPluginHost Plugins { get; }

    public string CacheFolder => Path.Combine(Root, "state", CSharpSourceRuntime.CacheFolder);

    /// <summary>Gets the host's csharp runtime, which counts its compiles and cache hits.</summary>
    public SourceBuilder Builds => _host.Services.GetServices<IPluginRuntime>().OfType<CSharpSourceRuntime>().Single().Builder;

    public string Folder(string id) => Path.Combine(Root, "plugins", id);

    public Task StartAsync() => _host.StartAsync();

    /// <summary>Waits for the next change of <paramref name="id"/> (at <paramref name="version"/> when given) to <paramref name="state"/>, from now.</summary>
    public Task<PluginStateChange> WaitForAsync(string id, PluginVersionState state, string? version = null)
        => _changes.WaitForAsync(c => c.PluginId == id && c.VersionState == state && (version is null || c.Version == version));

    /// <summary>Lays out a C# source plugin of one file, <c>Rule.cs</c>: the source first, the manifest last.</summary>
    public void Install(string id, string source, string version = "1.0.0", string references = "[]")
    {
        Directory.CreateDirectory(Folder(id));
        File.WriteAllText(Path.Combine(Folder(id), "Rule.cs"), source);
        File.WriteAllText(Path.Combine(Folder(id), "plugin.json"), $$"""
            { "id": "{{id}}", "version": "{{version}}", "runtime": "csharp", "contracts": ["test.rules/v1"],
              "entry": { "sources": ["Rule.cs"], "type": "Rules.Rule", "references": {{references}} } }
            """);
    }

    /// <summary>Saves <c>Rule.cs</c> again with new content.</summary>
    public void Save(string id, string source) => File.WriteAllText(Path.Combine(Folder(id), "Rule.cs"), source);

    /// <summary>The source of a rule named <paramref name="name"/> answering <paramref name="expression"/> of <c>value</c>.</summary>
    public static string Rule(string name, string expression) => $$"""
        using Hotplug.Scripting.CSharp.Tests;

        namespace Rules;

        public sealed class Rule : PluginBase, IRules
        {
            public ValueTask<RuleReply> ApplyAsync(RuleRequest request, CancellationToken cancellationToken = default)
            {
                var value = request.Value;
                return ValueTask.FromResult(new RuleReply("{{name}}", {{expression}}));
            }
        }
        """;

    public async ValueTask DisposeAsync() =>
        await StateChanges.StopAsync(_host, Guard, _ownsRoot ? Root : null);

    public static void Delete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

}
