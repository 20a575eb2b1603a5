namespace Hotplug.Scripting.CSharp.Tests;

/// <summary>Builds cached under the state folder by content hash: reused by the next host, never trusted when they changed.</summary>
public sealed class CacheTests
{
    [Fact]
    public async Task Restart_SameStateFolder_LoadsTheBuildFromTheCacheWithoutCompiling()
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-csharp", Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await RunAsync(root, expectCompiles: 1, expectHits: 0);
            Assert.Single(Directory.GetDirectories(Path.Combine(root, "state", CSharpSourceRuntime.CacheFolder)));

            await RunAsync(root, expectCompiles: 0, expectHits: 1);
        }
        finally
        {
            CSharpHost.Delete(root);
        }
    }

    [Fact]
    public async Task Restart_CachedBuildCorrupted_CompiledAgainAndServes()
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-csharp", Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await RunAsync(root, expectCompiles: 1, expectHits: 0);
            var entry = Assert.Single(Directory.GetDirectories(Path.Combine(root, "state", CSharpSourceRuntime.CacheFolder)));
            var image = Path.Combine(entry, "plugin.dll");
            var bytes = File.ReadAllBytes(image);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(image, bytes);

            var second = await RunAsync(root, expectCompiles: 1, expectHits: 0);
            Assert.Equal(1, second.CorruptEntries);

            // Written again whole: the third host trusts it.
            await RunAsync(root, expectCompiles: 0, expectHits: 1);
        }
        finally
        {
            CSharpHost.Delete(root);
        }
    }

    /// <summary>Starts a host on <paramref name="root"/>, with the plugin installed if it is not yet, calls it, and stops it.</summary>
    private static async Task<(int Compiles, int CorruptEntries)> RunAsync(string root, int expectCompiles, int expectHits)
    {
        await using var host = new CSharpHost(root);
        var healthy = host.WaitForAsync("rules", PluginVersionState.Healthy);
        if (!Directory.Exists(host.Folder("rules")))
        {
            host.Install("rules", CSharpHost.Rule("cached", "value + 100"));
        }

        await host.StartAsync();
        await healthy;

        Assert.Equal(new RuleReply("cached", 101), await host.Plugins.Get<IRules>("rules").ApplyAsync(new RuleRequest(1)));
        Assert.Equal(expectCompiles, host.Builds.Compiles);
        Assert.Equal(expectHits, host.Builds.CacheHits);
        return (host.Builds.Compiles, host.Builds.CorruptEntries);
    }
}
