using System.Reflection;
using System.Text.Json;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Cli.Tests;

/// <summary>
/// <c>hotplug run --contracts</c>: the CLI host shares the contract assemblies it is given, as an embedded host that
/// references them does, so a plugin built for an embedded host (without its contract in its folder) runs under it.
/// </summary>
public sealed class ContractsOptionTests : CliFolders
{
    private static readonly string TestContracts = Path.Combine(AppContext.BaseDirectory, "TestContracts.dll");

    private static readonly string RankingContracts = Path.Combine(AppContext.BaseDirectory, "Ranking.Contracts.dll");

    [Fact]
    public async Task Run_PluginWithoutItsContract_RunsWithContractsAndIsCalledByName()
    {
        InstallEcho(withContract: false);
        using var host = new RunningHost("run", Plugins, "--state", State, "--admin-port", "0", "--allow-unsigned", "--contracts", TestContracts);

        var echo = await WaitForSettledAsync(host, "echo");
        var call = await CliProcess.RunAsync("call", "echo", "echo", """{"request":{"text":"hi"}}""", "--state", State);

        Assert.Equal("healthy", echo.GetProperty("state").GetString());
        Assert.Equal(["test.echo/v1"], echo.GetProperty("contracts").EnumerateArray().Select(c => c.GetString()));
        Assert.True(call.ExitCode == 0, call.Error + host.Output);
        Assert.Equal("hi", JsonDocument.Parse(call.Out).RootElement.GetProperty("text").GetString());
        Assert.Equal(0, await host.TerminateAsync());
    }

    [Fact]
    public async Task Run_PluginWithoutItsContractAndNoContracts_FailsToStartNamingTheMissingAssembly()
    {
        InstallEcho(withContract: false);
        using var host = new RunningHost("run", Plugins, "--state", State, "--admin-port", "0", "--allow-unsigned");

        var echo = await WaitForSettledAsync(host, "echo");

        Assert.Equal("failed", echo.GetProperty("state").GetString());
        Assert.Contains("TestContracts", echo.GetProperty("lastError").GetString());
        Assert.Equal(0, await host.TerminateAsync());
    }

    [Fact]
    public async Task Run_PluginShippingItsContractAndContractsGiven_SharesTheHostsCopy()
    {
        InstallEcho(withContract: true);
        using var host = new RunningHost("run", Plugins, "--state", State, "--admin-port", "0", "--allow-unsigned", "--contracts", TestContracts);

        var echo = await WaitForSettledAsync(host, "echo");
        var count = await CliProcess.RunAsync("call", "echo", "count", """{"count":2}""", "--state", State);

        Assert.Equal("healthy", echo.GetProperty("state").GetString());
        Assert.Equal(["test.echo/v1"], echo.GetProperty("contracts").EnumerateArray().Select(c => c.GetString()));
        Assert.True(count.ExitCode == 0, count.Error + host.Output);
        Assert.Equal(["1", "2"], count.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(0, await host.TerminateAsync());
    }

    [Fact]
    public async Task Run_GoProcessPluginWithContractsGiven_CalledByNameThroughTheHostsContract()
    {
        var goPlugins = typeof(ContractsOptionTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "GoPluginsPath").Value!;
        var folder = Path.Combine(Plugins, "ranker");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(goPlugins, "ranker"), Path.Combine(folder, "ranker"));
        await File.WriteAllTextAsync(Path.Combine(folder, "plugin.json"), """
            { "id": "ranker", "version": "1.0.0", "runtime": "process", "contracts": ["ranking/v1"],
              "entry": { "executable": "ranker", "handshake": { "magicCookieKey": "HOTPLUG_TEST_PLUGIN", "magicCookieValue": "d3c4f1a0" } } }
            """);
        using var host = new RunningHost("run", Plugins, "--state", State, "--admin-port", "0", "--allow-unsigned", "--contracts", RankingContracts);

        var ranker = await WaitForSettledAsync(host, "ranker");
        var call = await CliProcess.RunAsync("call", "ranker", "rank", """{"request":{"userId":"u1","items":[{"id":"a","score":0.2},{"id":"b","score":0.9}]}}""", "--state", State);

        Assert.Equal("healthy", ranker.GetProperty("state").GetString());
        Assert.True(call.ExitCode == 0, call.Error + host.Output);
        var reply = JsonDocument.Parse(call.Out).RootElement;
        Assert.Equal(["b", "a"], reply.GetProperty("ids").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal("ranker@1.0.0 (go)", reply.GetProperty("strategy").GetString());
        Assert.Equal(0, await host.TerminateAsync());
    }

    /// <summary>The echo test plugin as its build made it, without its contract assembly (as for an embedded host), or with it.</summary>
    private void InstallEcho(bool withContract)
    {
        var folder = Path.Combine(Plugins, "echo");
        TestPlugins.Install(folder, TestPlugins.Manifest("echo", "1.0.0"));
        Assert.False(File.Exists(Path.Combine(folder, "TestContracts.dll")), "the test plugin is built without its contract assembly");
        if (withContract)
        {
            File.Copy(TestContracts, Path.Combine(folder, "TestContracts.dll"));
        }
    }

    private async Task<JsonElement> WaitForSettledAsync(RunningHost host, string id)
    {
        JsonElement found = default;
        await CliProcess.WaitUntilAsync(
            async () =>
            {
                Assert.False(host.HasExited, host.Output);
                var ls = await CliProcess.RunAsync("ls", "--json", "--state", State);
                found = ls.ExitCode == 0 ? JsonDocument.Parse(ls.Out).RootElement.EnumerateArray().FirstOrDefault(p => p.GetProperty("id").GetString() == id) : default;
                return found.ValueKind == JsonValueKind.Object && found.GetProperty("state").GetString() is "healthy" or "failed" or "rejected";
            },
            () => host.Output);
        return found;
    }
}
