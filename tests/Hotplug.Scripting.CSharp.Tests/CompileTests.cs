using System.Runtime.CompilerServices;
using Hotplug.TestContracts;
using Hotplug.Runtimes;

namespace Hotplug.Scripting.CSharp.Tests;

/// <summary>Builds through the runtime alone: what compiles, what does not and how it is reported.</summary>
public sealed class CompileTests
{
    private const string EchoEntry = """{ "sources": ["Echo/*.cs"], "type": "Hotplug.TestPlugins.Echo.EchoPlugin", "references": ["Newtonsoft.Json"] }""";

    [Fact]
    public async Task Start_KitEchoSources_CompilesAndServes()
    {
        using var harness = new RuntimeHarness();
        var files = Directory.EnumerateFiles(Path.Combine(PluginSources.Root, "Echo")).ToDictionary(f => "Echo/" + Path.GetFileName(f), File.ReadAllText);
        var version = harness.Create(EchoEntry, files, "test.echo/v1");

        await version.StartAsync(CancellationToken.None);

        Assert.Equal("hi", await EchoAsync(version, "hi"));
        Assert.Equal(1, harness.Runtime.Builder.Compiles);
        await version.StopAsync(CancellationToken.None);
        Assert.Equal(ReleaseResult.Collected, await version.ReleaseAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
    }

    /// <summary>Calls the version's echo in a frame of its own, so no local of the test keeps the plugin's objects alive.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<string> EchoAsync(IPluginVersion version, string text) =>
        (await ((IEcho)version.GetContract(typeof(IEcho))!).EchoAsync(new EchoRequest(text))).Text;
}
