using System.Diagnostics;
using Xunit.Abstractions;

namespace Hotplug.Scripting.Tests.Reload;

/// <summary>
/// A script saved in a watched folder goes live as a new build, blue-green, and a script that does not compile is
/// refused with where and why while the last good build serves on — for each script language.
/// </summary>
public sealed class ReloadTests(ITestOutputHelper output)
{
    public static TheoryData<string> Languages => ["lua", "javascript"];

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task ScriptSaved_NewBuildServes_WithNoFailedCall(string runtime)
    {
        await using var host = new ScriptHost();
        await host.StartAsync();
        var healthy = host.WaitForAsync("rules", PluginVersionState.Healthy);
        host.Install("rules", runtime, Script(runtime), Rule(runtime, "double", "value * 2"));
        await healthy;
        var rules = host.Plugins.Get<IRules>("rules");
        Assert.Equal(new RuleReply("double", 42), await rules.ApplyAsync(new RuleRequest(21)));

        // Callers keep calling while the file is saved: none fails, and the new rule answers once it is healthy.
        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            var calls = 0;
            while (!stop.IsCancellationRequested)
            {
                var reply = await rules.ApplyAsync(new RuleRequest(1));
                Assert.Contains(reply.Rule, new[] { "double", "triple" });
                calls++;
            }

            return calls;
        });
        var swapped = host.WaitForAsync("rules", PluginVersionState.Healthy);
        var saved = Stopwatch.StartNew();
        File.WriteAllText(Path.Combine(host.Folder("rules"), Script(runtime)), Rule(runtime, "triple", "value * 3"));
        await swapped;
        output.WriteLine($"{runtime}: saved to healthy in {saved.ElapsedMilliseconds} ms (stability window 100 ms)");

        Assert.Equal(new RuleReply("triple", 63), await rules.ApplyAsync(new RuleRequest(21)));
        await stop.CancelAsync();
        Assert.True(await traffic > 0);
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task SyntaxError_RefusedWithFileAndLine_LastGoodBuildServes(string runtime)
    {
        await using var host = new ScriptHost();
        await host.StartAsync();
        var healthy = host.WaitForAsync("rules", PluginVersionState.Healthy);
        host.Install("rules", runtime, Script(runtime), Rule(runtime, "double", "value * 2"));
        await healthy;

        var failed = host.WaitForAsync("rules", PluginVersionState.Failed);
        File.WriteAllText(Path.Combine(host.Folder("rules"), Script(runtime)), Rule(runtime, "broken", "value *") + "\n");
        var change = await failed;

        Assert.Contains(Script(runtime) + "(", change.Reason, StringComparison.Ordinal);
        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("rules")!.State);
        Assert.Contains(Script(runtime), host.Plugins.GetPlugin("rules")!.LastError, StringComparison.Ordinal);
        Assert.Equal(new RuleReply("double", 4), await host.Plugins.Get<IRules>("rules").ApplyAsync(new RuleRequest(2)));

        // Fixed, it goes live.
        var fixedBuild = host.WaitForAsync("rules", PluginVersionState.Healthy);
        File.WriteAllText(Path.Combine(host.Folder("rules"), Script(runtime)), Rule(runtime, "fixed", "value + 1"));
        await fixedBuild;
        Assert.Equal(new RuleReply("fixed", 3), await host.Plugins.Get<IRules>("rules").ApplyAsync(new RuleRequest(2)));
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task HundredReloads_MemoryBounded(string runtime)
    {
        await using var host = new ScriptHost();
        await host.StartAsync();
        var healthy = host.WaitForAsync("rules", PluginVersionState.Healthy);
        host.Install("rules", runtime, Script(runtime), Rule(runtime, "r0", "value"));
        await healthy;
        var rules = host.Plugins.Get<IRules>("rules");
        long warm = 0;
        for (var i = 1; i <= 100; i++)
        {
            var next = host.WaitForAsync("rules", PluginVersionState.Healthy);
            File.WriteAllText(Path.Combine(host.Folder("rules"), Script(runtime)), Rule(runtime, $"r{i}", $"value + {i}"));
            await next;
            Assert.Equal(new RuleReply($"r{i}", 1 + i), await rules.ApplyAsync(new RuleRequest(1)));
            if (i == 20)
            {
                warm = Managed();
            }
        }

        var after = Managed();
        output.WriteLine($"{runtime}: managed heap {warm / 1024} KB after 20 reloads, {after / 1024} KB after 100");

        // Eighty more builds, each with its engines, shapes and store copy: what stays is history, not builds.
        Assert.True(after - warm < 16 * 1024 * 1024, $"the managed heap grew by {(after - warm) / 1024} KB over 80 reloads");
        Assert.All(host.Plugins.GetPlugin("rules")!.PreviousVersions, v => Assert.NotEqual(PluginVersionState.Leaked, v.State));
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

    private static string Script(string runtime) => runtime == "lua" ? "rules.lua" : "rules.js";

    private static string Rule(string runtime, string name, string expression) => runtime == "lua"
        ? $"function apply(request)\n  local value = request.value\n  return {{ rule = \"{name}\", value = {expression} }}\nend\n"
        : $"function apply(request) {{\n  const value = request.value;\n  return {{ rule: \"{name}\", value: {expression} }};\n}}\n";
}
