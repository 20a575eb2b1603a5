using Hotplug.Scripting.JavaScript;
using Hotplug.Scripting.Lua;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Hotplug.TestSupport;

namespace Hotplug.Scripting.Tests.Reload;

/// <summary>A contract the reload tests' scripts implement.</summary>
[PluginContract("test.rules/v1")]
public interface IRules
{
    /// <summary>Applies the script's rule to a value.</summary>
    ValueTask<RuleReply> ApplyAsync(RuleRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What to apply a rule to.</summary>
public sealed record RuleRequest(int Value);

/// <summary>Which rule answered, and its result.</summary>
public sealed record RuleReply(string Rule, int Value);

/// <summary>
/// A real host with the Lua and JavaScript runtimes over a temporary plugins folder, unsigned packages allowed (a
/// developer's machine) and a short stability window, as a host that reloads scripts on save is set up.
/// </summary>
internal sealed class ScriptHost : IAsyncDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly IHost _host;
    private readonly StateChanges _changes;

    public ScriptHost()
    {
        Root = Path.Combine(Path.GetTempPath(), "hotplug-scripts", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = Path.Combine(Root, "plugins");
                o.StatePath = Path.Combine(Root, "state");
                o.StabilityWindow = TimeSpan.FromMilliseconds(100);
                o.RescanInterval = TimeSpan.FromSeconds(1);
                o.RequireSignedPackages = false;
            })
            .AddLuaRuntime()
            .AddJavaScriptRuntime();
        _host = builder.Build();
        Plugins = _host.Services.GetRequiredService<IPluginHost>();
        _changes = new StateChanges(Plugins, Guard);
    }

    public string Root { get; }

    public IPluginHost Plugins { get; }

    public string Folder(string id) => Path.Combine(Root, "plugins", id);

    public Task StartAsync() => _host.StartAsync();

    /// <summary>Waits for the next change of <paramref name="id"/> to <paramref name="state"/>, from now.</summary>
    public Task<PluginStateChange> WaitForAsync(string id, PluginVersionState state)
        => _changes.WaitForAsync(c => c.PluginId == id && c.VersionState == state);

    /// <summary>Lays out a script plugin: the script first, the manifest last.</summary>
    public void Install(string id, string runtime, string script, string source)
    {
        Directory.CreateDirectory(Folder(id));
        File.WriteAllText(Path.Combine(Folder(id), script), source);
        File.WriteAllText(Path.Combine(Folder(id), "plugin.json"), $$"""
            { "id": "{{id}}", "version": "1.0.0", "runtime": "{{runtime}}", "entry": { "script": "{{script}}" }, "contracts": ["test.rules/v1"] }
            """);
    }

    public async ValueTask DisposeAsync() =>
        await StateChanges.StopAsync(_host, Guard, Root);

}
