using System.Text.Json;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Cli.Tests;

/// <summary>Drives <c>hotplug run</c>, <c>hotplug ls</c> and <c>hotplug call</c> as a user would.</summary>
public sealed class CliFunctionalTests : CliFolders
{
    [Fact]
    public async Task Run_LsCallUpgradeAndStop_AsAUserWould()
    {
        Assert.Equal(0, (await CliProcess.RunAsync("keygen", "--out", Key)).ExitCode);
        await InstallEchoAsync("1.0.0");
        using var host = new RunningHost("run", Plugins, "--state", State, "--admin-port", "0", "--trust", Key + ".pub");

        var first = await WaitForVersionAsync(host, "1.0.0");
        Assert.Equal("healthy", first.GetProperty("state").GetString());

        var call = await CliProcess.RunAsync("call", "echo", "echo", """{"request":{"text":"hi"}}""", "--state", State);
        Assert.Equal(0, call.ExitCode);
        var reply = JsonDocument.Parse(call.Out).RootElement;
        Assert.Equal("hi", reply.GetProperty("text").GetString());
        Assert.Equal("1.0.0", reply.GetProperty("version").GetString());

        // Upgrade by overwriting the plugin's folder in place.
        await InstallEchoAsync("1.1.0");
        var upgraded = await WaitForVersionAsync(host, "1.1.0");
        await CliProcess.WaitUntilAsync(
            async () => (await LsAsync()).EnumerateArray().Single().GetProperty("previousVersions").EnumerateArray()
                .Any(v => v.GetProperty("version").GetString() == "1.0.0" && v.GetProperty("unloaded").GetBoolean()),
            () => host.Output);
        var after = await CliProcess.RunAsync("call", "echo", "EchoAsync", """{"request":{"text":"again"}}""", "--state", State);
        Assert.Equal("1.1.0", JsonDocument.Parse(after.Out).RootElement.GetProperty("version").GetString());
        Assert.Equal(["test.echo/v1"], upgraded.GetProperty("contracts").EnumerateArray().Select(c => c.GetString()));

        var failing = await CliProcess.RunAsync("call", "echo", "echo", """{"request":{"text":"throw"}}""", "--state", State);
        Assert.NotEqual(0, failing.ExitCode);
        Assert.Contains("error plugin_error", failing.Error);
        Assert.Contains("'echo' 1.1.0", failing.Error);

        var table = await CliProcess.RunAsync("ls", "--state", State);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("echo", table.Out);
        Assert.Contains("1.1.0", table.Out);

        Assert.Equal(0, await host.TerminateAsync());
        Assert.False(File.Exists(Path.Combine(State, "admin.json")));
        Assert.Contains("Plugin echo 1.1.0: Healthy", host.Output);
    }

    [Fact]
    public async Task Ls_NoHostRunning_ExitsNonZeroSayingHowToStartOne()
    {
        var result = await CliProcess.RunAsync("ls", "--state", State);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("No Hotplug host is running", result.Error);
        Assert.Contains("hotplug run", result.Error);
    }

    [Fact]
    public async Task Call_InvalidJsonArguments_ExitsWithUsageError()
    {
        var result = await CliProcess.RunAsync("call", "echo", "echo", "{ nope", "--state", State);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not valid JSON", result.Error);
    }

    [Fact]
    public async Task Run_PluginsPathIsAFile_ExitsWithUsageError()
    {
        Directory.CreateDirectory(Root);
        var file = Path.Combine(Root, "not-a-folder");
        await File.WriteAllTextAsync(file, "x");

        var result = await CliProcess.RunAsync("run", file, "--state", State, "--admin-port", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is a file", result.Error);
    }

    [Fact]
    public async Task KeygenPackVerify_SignedPackage_VerifiesAndATamperedCopyDoesNot()
    {
        Assert.Equal(0, (await CliProcess.RunAsync("keygen", "--out", Key)).ExitCode);
        var folder = Path.Combine(Root, "build", "echo");
        TestPlugins.Install(folder, TestPlugins.Manifest("echo", "1.0.0"));
        var zip = Path.Combine(Root, "echo.zip");

        var pack = await CliProcess.RunAsync("pack", folder, "--out", zip, "--key", Key + ".key");
        var verify = await CliProcess.RunAsync("verify", zip, "--trust", Key + ".pub");
        var dll = Path.Combine(folder, "EchoPlugin.dll");
        var bytes = await File.ReadAllBytesAsync(dll);
        bytes[100] ^= 0x01;
        await File.WriteAllBytesAsync(dll, bytes);
        var tampered = await CliProcess.RunAsync("verify", folder, "--trust", Key + ".pub");
        var unknown = await CliProcess.RunAsync("verify", zip, "--trust", Path.Combine(Root, "empty-trust"));

        Assert.Equal(0, pack.ExitCode);
        Assert.Contains("signed by", pack.Out);
        Assert.Equal(0, verify.ExitCode);
        Assert.Contains("ok: echo 1.0.0", verify.Out);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("rejected HP1013", tampered.Error);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("rejected HP1003", unknown.Error);
    }

    [Theory]
    [InlineData("\"callTimeout\": 1e300", "HP1111", "field 'callTimeout': is too long")]
    [InlineData("\"callTimeout\": \"99999999999h\"", "HP1111", "field 'callTimeout': is too long")]
    [InlineData("\"drainTimeout\": 1e300", "HP1111", "field 'drainTimeout': is too long")]
    [InlineData("\"version\": \"2.0.0\"", "HP1103", "field 'version': appears twice")]
    public async Task PackSignVerify_InvalidManifest_PrintCodeAndFieldAndExitOne(string extra, string code, string expected)
    {
        Assert.Equal(0, (await CliProcess.RunAsync("keygen", "--out", Key)).ExitCode);
        var folder = Path.Combine(Root, "build", "bad");
        TestPlugins.CopyBuild(TestPlugins.Echo, folder);
        await File.WriteAllTextAsync(
            Path.Combine(folder, "plugin.json"),
            $$"""{ "id": "bad", "version": "1.0.0", "runtime": "assembly", "entry": { "assembly": "EchoPlugin.dll", "type": "T" }, {{extra}} }""");
        var manifest = Path.Combine(folder, "plugin.json");

        var pack = await CliProcess.RunAsync("pack", folder, "--out", Path.Combine(Root, "bad.zip"), "--key", Key + ".key");
        var sign = await CliProcess.RunAsync("sign", folder, "--key", Key + ".key");
        var verify = await CliProcess.RunAsync("verify", folder, "--trust", Key + ".pub");

        foreach (var (result, prefix) in new[] { (pack, "error"), (sign, "error"), (verify, "rejected") })
        {
            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"{prefix} {code}: {manifest}: {expected}", result.Error);
            Assert.DoesNotContain("Unhandled exception", result.Error);
            Assert.DoesNotContain("   at ", result.Error);
        }
    }

    [Theory]
    [InlineData("\"transport\": \"carrier-pigeon\"", "entry.transport")]
    [InlineData("\"pool\": { \"min\": 5, \"max\": 1 }", "entry.pool.max")]
    public async Task PackSignVerify_ProcessEntryAHostRefuses_RefusedAsTheHostWould(string extra, string field)
    {
        Assert.Equal(0, (await CliProcess.RunAsync("keygen", "--out", Key)).ExitCode);
        var folder = Path.Combine(Root, "build", "bad");
        TestPlugins.CopyBuild(TestPlugins.Echo, folder);
        var manifest = Path.Combine(folder, "plugin.json");
        await File.WriteAllTextAsync(manifest, $$"""{ "id": "bad", "version": "1.0.0", "runtime": "process", "entry": { "executable": "EchoPlugin.dll", {{extra}} } }""");

        var pack = await CliProcess.RunAsync("pack", folder, "--out", Path.Combine(Root, "bad.zip"), "--key", Key + ".key");
        var sign = await CliProcess.RunAsync("sign", folder, "--key", Key + ".key");
        var verify = await CliProcess.RunAsync("verify", folder, "--trust", Key + ".pub");

        foreach (var (result, prefix) in new[] { (pack, "error"), (sign, "error"), (verify, "rejected") })
        {
            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"{prefix} HP1110: {manifest}: field '{field}'", result.Error);
        }

        Assert.False(File.Exists(Path.Combine(Root, "bad.zip")));
    }

    [Fact]
    public async Task Run_OutputRedirected_AFolderNameCannotForgeLinesOrDriveTheTerminal()
    {
        var hostile = Path.Combine(Plugins, "zz\u001b[31mRED\rFORGED\nINFO fake");
        Directory.CreateDirectory(hostile);
        await File.WriteAllTextAsync(Path.Combine(hostile, "plugin.json"), "{ not json");
        using var host = new RunningHost("run", Plugins, "--state", State, "--admin-port", "0", "--allow-unsigned");

        await CliProcess.WaitUntilAsync(() => Task.FromResult(host.Output.Contains("HP1102", StringComparison.Ordinal)), () => host.Output);

        var output = host.Output;
        Assert.Contains("zz\\u001b[31mRED\\rFORGED\\nINFO fake", output);
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\r', output);
        Assert.DoesNotContain(output.Split('\n'), line => line.StartsWith("INFO fake", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keygen_ExistingKey_RefusesToOverwrite()
    {
        Assert.Equal(0, (await CliProcess.RunAsync("keygen", "--out", Key)).ExitCode);
        var before = await File.ReadAllTextAsync(Key + ".key");

        var again = await CliProcess.RunAsync("keygen", "--out", Key);

        Assert.NotEqual(0, again.ExitCode);
        Assert.Equal(before, await File.ReadAllTextAsync(Key + ".key"));
    }

    private async Task<JsonElement> LsAsync()
    {
        var result = await CliProcess.RunAsync("ls", "--json", "--state", State);
        return result.ExitCode == 0 ? JsonDocument.Parse(result.Out).RootElement : JsonDocument.Parse("[]").RootElement;
    }

    private async Task<JsonElement> WaitForVersionAsync(RunningHost host, string version)
    {
        JsonElement found = default;
        await CliProcess.WaitUntilAsync(
            async () =>
            {
                Assert.False(host.HasExited, host.Output);
                var echo = (await LsAsync()).EnumerateArray().FirstOrDefault(p => p.GetProperty("id").GetString() == "echo");
                if (echo.ValueKind == JsonValueKind.Object && echo.GetProperty("version").GetString() == version && echo.GetProperty("state").GetString() == "healthy")
                {
                    found = echo;
                    return true;
                }

                return false;
            },
            () => host.Output);
        return found;
    }
}
