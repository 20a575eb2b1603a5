using System.Text.Json;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Cli.Tests;

/// <summary>One host per state folder: a second <c>hotplug run</c> on it refuses, and leaves the first alone.</summary>
public sealed class StateFolderLockTests : CliFolders
{
    private string AdminJson => Path.Combine(State, "admin.json");

    [Fact]
    public async Task Run_SecondHostOnTheSameStateFolder_RefusesAndTheFirstKeepsItsAdminFileUntilKilled()
    {
        TestPlugins.CopyBuild(TestPlugins.Echo, Path.Combine(Plugins, "echo"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TestContracts.dll"), Path.Combine(Plugins, "echo", "TestContracts.dll"), overwrite: true);
        TestPlugins.WriteManifest(Path.Combine(Plugins, "echo"), TestPlugins.Manifest("echo", "1.0.0"));
        using var first = new RunningHost("run", Plugins, "--state", State, "--admin-port", "0", "--allow-unsigned");
        await WaitForEchoAsync(first);
        var admin = await File.ReadAllTextAsync(AdminJson);
        var firstPid = JsonDocument.Parse(admin).RootElement.GetProperty("pid").GetInt32();

        var second = await CliProcess.RunAsync("run", Plugins, "--state", State, "--admin-port", "0", "--allow-unsigned");

        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("HP1031", second.Error);
        Assert.Contains(Path.GetFullPath(State), second.Error);
        Assert.Contains($"pid {firstPid}", second.Error);
        Assert.Single(second.Error.Split('\n'), line => line.Contains("HP1031", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", second.Out + second.Error);
        Assert.Equal(admin, await File.ReadAllTextAsync(AdminJson));
        Assert.False(first.HasExited, first.Output);
        Assert.Equal(0, (await CliProcess.RunAsync("ls", "--state", State)).ExitCode);

        // Killed, the first host cleans nothing up, and its lock goes with it: the next host starts.
        await first.KillHardAsync();
        using var next = new RunningHost("run", Plugins, "--state", State, "--admin-port", "0", "--allow-unsigned");
        await WaitForEchoAsync(next);
        Assert.Equal(0, await next.TerminateAsync());
        Assert.False(File.Exists(AdminJson));
    }

    private async Task WaitForEchoAsync(RunningHost host) =>
        await CliProcess.WaitUntilAsync(
            async () =>
            {
                Assert.False(host.HasExited, host.Output);
                var ls = await CliProcess.RunAsync("ls", "--json", "--state", State);
                return ls.ExitCode == 0 && JsonDocument.Parse(ls.Out).RootElement.EnumerateArray()
                    .Any(p => p.GetProperty("id").GetString() == "echo" && p.GetProperty("state").GetString() == "healthy");
            },
            () => host.Output);
}
