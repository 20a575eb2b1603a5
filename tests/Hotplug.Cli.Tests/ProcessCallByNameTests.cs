using System.Text.Json;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Cli.Tests;

/// <summary>
/// <c>hotplug run</c> has no contract assemblies of its own: a .NET process plugin that ships its contract assembly
/// is called by name with <c>hotplug call</c> as soon as it is healthy, with nothing having asked for its contract first.
/// </summary>
public sealed class ProcessCallByNameTests : CliFolders
{
    [Fact]
    public async Task RunAndCall_ProcessPluginShippingItsContract_ListedAndCalledByNameRightAfterItStarts()
    {
        Assert.Equal(0, (await CliProcess.RunAsync("keygen", "--out", Key)).ExitCode);
        var build = Path.Combine(Root, "build", "echo");
        TestPlugins.CopyBuild(TestPlugins.EchoProcess, build);
        Assert.True(File.Exists(Path.Combine(build, "TestContracts.dll")), "the plugin's build ships its contract assembly");
        TestPlugins.WriteManifest(build, TestPlugins.Manifest("echo", "1.0.0", TestPlugins.EchoProcess));
        var pack = await CliProcess.RunAsync("pack", build, "--out", build + ".zip", "--key", Key + ".key");
        Assert.True(pack.ExitCode == 0, pack.Error);
        foreach (var file in Directory.GetFiles(build, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(Plugins, "echo", Path.GetRelativePath(build, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        using var host = new RunningHost("run", Plugins, "--state", State, "--admin-port", "0", "--trust", Key + ".pub");

        JsonElement echo = default;
        await CliProcess.WaitUntilAsync(
            async () =>
            {
                Assert.False(host.HasExited, host.Output);
                var ls = await CliProcess.RunAsync("ls", "--json", "--state", State);
                echo = ls.ExitCode == 0 ? JsonDocument.Parse(ls.Out).RootElement.EnumerateArray().FirstOrDefault(p => p.GetProperty("id").GetString() == "echo") : default;
                return echo.ValueKind == JsonValueKind.Object && echo.GetProperty("state").GetString() == "healthy";
            },
            () => host.Output);
        Assert.Equal("process", echo.GetProperty("runtime").GetString());
        Assert.Equal(["test.echo/v1", "test.other/v1"], echo.GetProperty("contracts").EnumerateArray().Select(c => c.GetString()));

        var call = await CliProcess.RunAsync("call", "echo", "echo", """{"request":{"text":"hi"}}""", "--state", State);
        Assert.True(call.ExitCode == 0, call.Error + host.Output);
        var reply = JsonDocument.Parse(call.Out).RootElement;
        Assert.Equal("hi", reply.GetProperty("text").GetString());
        Assert.Equal("1.0.0", reply.GetProperty("version").GetString());

        var count = await CliProcess.RunAsync("call", "echo", "count", """{"count":3}""", "--state", State);
        Assert.True(count.ExitCode == 0, count.Error + host.Output);
        Assert.Equal(["1", "2", "3"], count.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var unknown = await CliProcess.RunAsync("call", "echo", "nope", "{}", "--state", State);
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("has no method 'nope'", unknown.Error);

        Assert.Equal(0, await host.TerminateAsync());
    }
}
