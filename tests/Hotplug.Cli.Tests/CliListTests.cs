using System.Text.Json;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Cli.Tests;

/// <summary><c>hotplug ls</c> shows last errors whole, <c>hotplug ls &lt;id&gt;</c> one plugin whole, and a rollback is logged as one.</summary>
public sealed class CliListTests : CliFolders
{
    [Fact]
    public async Task LsAndRollback_LongErrorWholeOnePluginWholeAndRollbackLoggedAsOne()
    {
        Assert.Equal(0, (await CliProcess.RunAsync("keygen", "--out", Key)).ExitCode);
        TestPlugins.Install(Path.Combine(Plugins, "unsigned"), TestPlugins.Manifest("unsigned", "1.0.0"));
        await InstallEchoAsync("1.0.0");
        using var host = new RunningHost("run", Plugins, "--state", State, "--admin-port", "0", "--trust", Key + ".pub");
        await WaitForAsync(host, "echo", p => p.GetProperty("version").GetString() == "1.0.0" && p.GetProperty("state").GetString() == "healthy");
        var unsigned = await WaitForAsync(host, "unsigned", p => p.GetProperty("state").GetString() == "rejected");
        var error = unsigned.GetProperty("lastError").GetString()!;
        Assert.True(error.Length > 200, error);

        var table = await CliProcess.RunAsync("ls", "--state", State);
        var one = await CliProcess.RunAsync("ls", "unsigned", "--state", State);
        var ghost = await CliProcess.RunAsync("ls", "ghost", "--state", State);

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("unsigned: " + error + Environment.NewLine, table.Out);
        Assert.Equal(0, one.ExitCode);
        Assert.Contains("id: unsigned" + Environment.NewLine, one.Out);
        Assert.Contains("state: rejected" + Environment.NewLine, one.Out);
        Assert.Contains("last error: " + error + Environment.NewLine, one.Out);
        Assert.Equal(1, ghost.ExitCode);
        Assert.Contains("error not_found", ghost.Error);

        // Upgrade, then roll back as the guide says: allow it, then copy the old version back.
        await InstallEchoAsync("1.1.0");
        await WaitForAsync(host, "echo", p => p.GetProperty("version").GetString() == "1.1.0");
        var rollback = await CliProcess.RunAsync("rollback", "echo", "1.0.0", "--state", State);
        Assert.True(rollback.ExitCode == 0, rollback.Error);
        await InstallEchoAsync("1.0.0");
        await WaitForAsync(host, "echo", p => p.GetProperty("version").GetString() == "1.0.0");
        await CliProcess.WaitUntilAsync(() => Task.FromResult(host.Output.Contains("Plugin echo 1.0.0: Healthy rolled back from 1.1.0", StringComparison.Ordinal)), () => host.Output);
        var echo = await CliProcess.RunAsync("ls", "echo", "--state", State);

        Assert.Contains("history:" + Environment.NewLine, echo.Out);
        Assert.Contains("  1.1.0  ", echo.Out);
        Assert.Contains("replaced by 1.0.0", echo.Out);
        Assert.Equal(0, await host.TerminateAsync());
    }

    private async Task<JsonElement> WaitForAsync(RunningHost host, string id, Func<JsonElement, bool> done)
    {
        JsonElement found = default;
        await CliProcess.WaitUntilAsync(
            async () =>
            {
                Assert.False(host.HasExited, host.Output);
                var ls = await CliProcess.RunAsync("ls", "--json", "--state", State);
                found = ls.ExitCode == 0 ? JsonDocument.Parse(ls.Out).RootElement.EnumerateArray().FirstOrDefault(p => p.GetProperty("id").GetString() == id) : default;
                return found.ValueKind == JsonValueKind.Object && done(found);
            },
            () => host.Output);
        return found;
    }
}
