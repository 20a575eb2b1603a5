using Xunit.Abstractions;

namespace Hotplug.Scripting.CSharp.Tests;

/// <summary>C# sources saved in a watched folder: a new build swapped in, a build that does not compile refused, old builds unloaded.</summary>
public sealed class ReloadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SourceSaved_NewBuildServes_OldBuildCollected()
    {
        await using var host = new CSharpHost();
        await host.StartAsync();
        var healthy = host.WaitForAsync("rules", PluginVersionState.Healthy);
        host.Install("rules", CSharpHost.Rule("double", "value * 2"));
        await healthy;
        var rules = host.Plugins.Get<IRules>("rules");
        Assert.Equal(new RuleReply("double", 42), await rules.ApplyAsync(new RuleRequest(21)));

        var swapped = host.WaitForAsync("rules", PluginVersionState.Healthy);
        var unloaded = host.WaitForAsync("rules", PluginVersionState.Unloaded);
        host.Save("rules", CSharpHost.Rule("triple", "value * 3"));
        await swapped;

        Assert.Equal(new RuleReply("triple", 63), await rules.ApplyAsync(new RuleRequest(21)));
        // Unloaded, not Leaked: the old build's load context was collected, verified as for an assembly plugin.
        await unloaded;
        Assert.Equal(2, host.Builds.Compiles);
    }

    [Fact]
    public async Task Upgrade_OldVersionsLoadContextIsCollected()
    {
        await using var host = new CSharpHost();
        await host.StartAsync();
        var healthy = host.WaitForAsync("rules", PluginVersionState.Healthy, "1.0.0");
        host.Install("rules", CSharpHost.Rule("one", "value + 1"));
        await healthy;

        var leaked = host.WaitForAsync("rules", PluginVersionState.Leaked, "1.0.0");
        var unloaded = host.WaitForAsync("rules", PluginVersionState.Unloaded, "1.0.0");
        host.Install("rules", CSharpHost.Rule("two", "value + 2"), version: "1.1.0");
        await unloaded;

        Assert.False(leaked.IsCompleted);
        Assert.Equal(new RuleReply("two", 3), await host.Plugins.Get<IRules>("rules").ApplyAsync(new RuleRequest(1)));
        Assert.Contains(host.Plugins.GetPlugin("rules")!.PreviousVersions, v => v.Version == "1.0.0" && !v.Leaked);
    }

    [Fact]
    public async Task CompileError_RefusedWithFileLineAndColumn_LastGoodBuildServes()
    {
        await using var host = new CSharpHost();
        await host.StartAsync();
        var healthy = host.WaitForAsync("rules", PluginVersionState.Healthy);
        host.Install("rules", CSharpHost.Rule("double", "value * 2"));
        await healthy;

        var failed = host.WaitForAsync("rules", PluginVersionState.Failed);
        host.Save("rules", CSharpHost.Rule("broken", "value *"));
        var change = await failed;

        // Line 10 of the rule's source, column 53: the ')' where an operand was expected.
        Assert.Matches(@"Rule\.cs\(10,\d+\): error CS1525: ", change.Reason);
        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("rules")!.State);
        Assert.Contains("Rule.cs(10,", host.Plugins.GetPlugin("rules")!.LastError, StringComparison.Ordinal);
        Assert.Equal(new RuleReply("double", 4), await host.Plugins.Get<IRules>("rules").ApplyAsync(new RuleRequest(2)));

        var fixedBuild = host.WaitForAsync("rules", PluginVersionState.Healthy);
        host.Save("rules", CSharpHost.Rule("fixed", "value + 1"));
        await fixedBuild;
        Assert.Equal(new RuleReply("fixed", 3), await host.Plugins.Get<IRules>("rules").ApplyAsync(new RuleRequest(2)));
    }

    [Fact]
    public async Task HundredReloads_MemoryBounded()
    {
        await using var host = new CSharpHost();
        await host.StartAsync();
        var healthy = host.WaitForAsync("rules", PluginVersionState.Healthy);
        host.Install("rules", CSharpHost.Rule("r0", "value"));
        await healthy;
        var rules = host.Plugins.Get<IRules>("rules");
        long warm = 0;
        for (var i = 1; i <= 100; i++)
        {
            var next = host.WaitForAsync("rules", PluginVersionState.Healthy);
            host.Save("rules", CSharpHost.Rule($"r{i}", $"value + {i}"));
            await next;
            Assert.Equal(new RuleReply($"r{i}", 1 + i), await rules.ApplyAsync(new RuleRequest(1)));
            if (i == 10)
            {
                warm = Managed();
            }
        }

        var after = Managed();
        output.WriteLine($"managed heap {warm / 1024} KB after 10 compile+reload cycles, {after / 1024} KB after 100; {host.Builds.Compiles} compiles");

        // Ninety more builds, each compiled, loaded into its own context and unloaded: what stays is history, not builds.
        Assert.True(after - warm < 32 * 1024 * 1024, $"the managed heap grew by {(after - warm) / 1024} KB over 90 reloads");
        Assert.All(host.Plugins.GetPlugin("rules")!.PreviousVersions, v => Assert.False(v.Leaked, $"{v.Version} leaked"));
        Assert.Equal(101, host.Builds.Compiles);
    }

    private static long Managed()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
