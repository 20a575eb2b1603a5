namespace Hotplug.Cli.Tests;

/// <summary>How the real <c>hotplug</c> command answers bad usage: it names itself, says what is wrong, and exits 2.</summary>
public sealed class CliUsageTests : CliFolders
{
    [Fact]
    public async Task Help_UsageLinesNameTheCommandHotplug()
    {
        var root = await CliProcess.RunAsync("--help");
        var run = await CliProcess.RunAsync("run", "--help");

        Assert.Equal(0, root.ExitCode);
        Assert.Contains("hotplug [command] [options]", root.Out);
        Assert.Contains("hotplug run <plugins-dir> [options]", run.Out);
        Assert.DoesNotContain("Hotplug.Cli", root.Out + run.Out);
    }

    [Theory]
    [InlineData("Unrecognized command or argument 'bogus'", "bogus")]
    [InlineData("Unrecognized command or argument '--nope'", "ls", "--nope")]
    [InlineData("Required argument missing for command: 'run'", "run")]
    [InlineData("Required argument missing for command: 'rollback'", "rollback", "echo")]
    [InlineData("Required command was not provided", new string[0])]
    public async Task BadUsage_ExitsTwoSayingWhatIsWrong(string expected, params string[] arguments)
    {
        var result = await CliProcess.RunAsync(arguments);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public async Task Run_PluginsFolderMissing_ExitsTwoWithoutCreatingIt()
    {
        var missing = Path.Combine(Root, "plugins-typo");

        var result = await CliProcess.RunAsync("run", missing, "--state", State, "--admin-port", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"the plugins folder {missing} does not exist", result.Error);
        Assert.Contains("--create", result.Error);
        Assert.False(Directory.Exists(missing));
        Assert.False(Directory.Exists(State));
    }

    [Fact]
    public async Task Run_PluginsFolderMissingWithCreate_CreatesItAndRuns()
    {
        using var host = new RunningHost("run", Plugins, "--create", "--state", State, "--admin-port", "0", "--allow-unsigned");

        await CliProcess.WaitUntilAsync(async () => (await CliProcess.RunAsync("ls", "--state", State)).ExitCode == 0, () => host.Output);

        Assert.True(Directory.Exists(Plugins));
        Assert.Equal(0, await host.TerminateAsync());
    }

    [Fact]
    public async Task Run_ContractsNotAFileOrNotAnAssembly_ExitsTwo()
    {
        Directory.CreateDirectory(Plugins);
        var text = Path.Combine(Root, "notes.dll");
        await File.WriteAllTextAsync(text, "not an assembly");

        var missing = await CliProcess.RunAsync("run", Plugins, "--state", State, "--admin-port", "0", "--contracts", Path.Combine(Root, "nope.dll"));
        var notDotnet = await CliProcess.RunAsync("run", Plugins, "--state", State, "--admin-port", "0", "--contracts", text);

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nope.dll: no such file", missing.Error);
        Assert.Equal(2, notDotnet.ExitCode);
        Assert.Contains("notes.dll: not a .NET assembly", notDotnet.Error);
    }
}
