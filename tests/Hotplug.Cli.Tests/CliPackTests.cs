using Hotplug.Packaging;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Cli.Tests;

/// <summary><c>hotplug pack</c>, <c>sign</c> and <c>verify</c> refuse what a host would refuse, and pack writes its zip where no host takes it for a package.</summary>
public sealed class CliPackTests : CliFolders
{
    [Fact]
    public async Task Pack_NoOut_WritesTheZipIntoTheCurrentFolder()
    {
        var folder = Path.Combine(Root, "build", "echo");
        TestPlugins.Install(folder, TestPlugins.Manifest("echo", "1.0.0"));
        var here = Path.Combine(Root, "dist");
        Directory.CreateDirectory(here);

        var pack = await CliProcess.RunInAsync(here, "pack", folder);

        Assert.True(pack.ExitCode == 0, pack.Error);
        Assert.True(File.Exists(Path.Combine(here, "echo-1.0.0.zip")));
        Assert.False(File.Exists(Path.Combine(Root, "build", "echo-1.0.0.zip")));
    }

    [Fact]
    public async Task Pack_NoOutFromThePluginsFolder_RefusesAndWritesNothing()
    {
        var folder = Path.Combine(Plugins, "echo");
        TestPlugins.Install(folder, TestPlugins.Manifest("echo", "1.0.0"));
        var manifest = await File.ReadAllTextAsync(Path.Combine(folder, "plugin.json"));

        var pack = await CliProcess.RunInAsync(Plugins, "pack", "echo");

        Assert.Equal(1, pack.ExitCode);
        Assert.Contains("holds the package folder", pack.Error);
        Assert.Contains("--out", pack.Error);
        Assert.Empty(Directory.GetFiles(Plugins));
        Assert.Equal(manifest, await File.ReadAllTextAsync(Path.Combine(folder, "plugin.json")));
    }

    [Fact]
    public async Task Pack_OutNamedInThePluginsFolder_WritesItThere()
    {
        var folder = Path.Combine(Root, "build", "echo");
        TestPlugins.Install(folder, TestPlugins.Manifest("echo", "1.0.0"));
        var zip = Path.Combine(Plugins, "echo.zip");

        var pack = await CliProcess.RunAsync("pack", folder, "--out", zip);

        Assert.True(pack.ExitCode == 0, pack.Error);
        Assert.True(File.Exists(zip));
    }

    [Fact]
    public async Task Pack_OutInsideThePackageFolder_Refused()
    {
        var folder = Path.Combine(Root, "build", "echo");
        TestPlugins.Install(folder, TestPlugins.Manifest("echo", "1.0.0"));

        var pack = await CliProcess.RunAsync("pack", folder, "--out", Path.Combine(folder, "sub", "echo.zip"));

        Assert.Equal(1, pack.ExitCode);
        Assert.Contains("would be inside the package folder", pack.Error);
        Assert.False(Directory.Exists(Path.Combine(folder, "sub")));
    }

    [Theory]
    [InlineData("assembly", "EchoPlugin.dll", "{ \"assembly\": \"Missing.dll\", \"type\": \"T\" }", "'Missing.dll' is not in the plugin folder")]
    [InlineData("process", "EchoPlugin.dll", "{ \"executable\": \"missing-plugin\" }", "'missing-plugin' is not in the plugin folder")]
    public async Task PackSignVerify_EntryFileMissing_RefusedAsAHostWould(string runtime, string present, string entry, string expected)
    {
        Assert.Equal(0, (await CliProcess.RunAsync("keygen", "--out", Key)).ExitCode);
        var folder = Path.Combine(Root, "build", "bad");
        TestPlugins.CopyBuild(TestPlugins.Echo, folder);
        Assert.True(File.Exists(Path.Combine(folder, present)));
        var manifest = Path.Combine(folder, "plugin.json");
        await File.WriteAllTextAsync(manifest, $$"""{ "id": "bad", "version": "1.0.0", "runtime": "{{runtime}}", "entry": {{entry}} }""");

        var pack = await CliProcess.RunAsync("pack", folder, "--out", Path.Combine(Root, "bad.zip"), "--key", Key + ".key");
        Assert.False(File.Exists(Path.Combine(Root, "bad.zip")));

        // Signed by code that checks no entry (no runtimes given), so only the entry is wrong.
        using (var key = SigningKey.Load(Key + ".key"))
        {
            PluginPackager.Pack(folder, Path.Combine(Root, "signed.zip"), key);
        }

        var sign = await CliProcess.RunAsync("sign", folder, "--key", Key + ".key");
        var verify = await CliProcess.RunAsync("verify", folder, "--trust", Key + ".pub");
        var verifyZip = await CliProcess.RunAsync("verify", Path.Combine(Root, "signed.zip"), "--trust", Key + ".pub");

        foreach (var (result, prefix, path) in new[] { (pack, "error", manifest), (sign, "error", manifest), (verify, "rejected", manifest), (verifyZip, "rejected", Path.Combine(Root, "signed.zip") + "!/plugin.json") })
        {
            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"{prefix} HP1110: {path}: field 'entry': {expected}", result.Error);
        }
    }

    [Fact]
    public async Task Verify_Unsigned_HintNamesPackAndTheHostsOptions()
    {
        var folder = Path.Combine(Root, "build", "echo");
        TestPlugins.Install(folder, TestPlugins.Manifest("echo", "1.0.0"));
        Assert.Equal(0, (await CliProcess.RunAsync("keygen", "--out", Key)).ExitCode);

        var verify = await CliProcess.RunAsync("verify", folder, "--trust", Key + ".pub");

        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("rejected HP1001", verify.Error);
        Assert.Contains("hotplug pack <folder> --key <name>.key", verify.Error);
        Assert.Contains("RequireSignedPackages = false", verify.Error);
        Assert.Contains("TrustPath", verify.Error);
    }
}
