namespace Hotplug.Packaging.Tests;

/// <summary>
/// The templates as a user meets them, outside the repository with only the packed feed: generated projects build,
/// plugin projects pack into signed plugin packages, and the generated host runs them and answers through them.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class TemplateTests(PackedFeed feed)
{
    [Fact]
    public async Task Templates_BuildPackSignedAndTheHostAnswersThroughThePlugins()
    {
        var work = feed.Workspace;
        await feed.NewAsync("hotplug-plugin", "-n", "Hello", "--contract", PackedFeed.ContractName);
        await feed.NewAsync("hotplug-process-plugin", "-n", "Hello.Process", "--contract", PackedFeed.ContractName, "--plugin-id", "hello-process");
        await feed.NewAsync("hotplug-host", "-n", "Service", "--contract", PackedFeed.ContractName, "--plugin", "hello");
        var (key, keyId) = NewKey("publisher");
        var packages = Path.Combine(feed.Root, "packages");

        await feed.DotnetAsync(work, "build", "Service");
        var packed = await feed.DotnetAsync(work, "pack", "Hello", "-o", packages, $"-p:HotplugSigningKey={key}.key");
        var packedProcess = await DotnetRun.RunOkAsync("dotnet", ["pack", "Hello.Process", "-o", packages], work, With(feed.Environment, "HOTPLUG_SIGNING_KEY", key + ".key"));

        // A plugin project packs into its plugin package only, signed, listing what its build wrote.
        Assert.DoesNotContain("warning", packed + packedProcess, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["hello-1.0.0.zip", "hello-process-1.0.0.zip"], Directory.GetFiles(packages).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using (var trust = TrustStore.Load(key + ".pub"))
        {
            Assert.Equal(("hello", "1.0.0", keyId), PluginPackager.Verify(Path.Combine(packages, "hello-1.0.0.zip"), trust));
            Assert.Equal(("hello-process", "1.0.0", keyId), PluginPackager.Verify(Path.Combine(packages, "hello-process-1.0.0.zip"), trust));
        }

        // The assembly plugin's folder leaves Hotplug.Abstractions to the host and ships its contract.
        var output = Path.Combine(work, "Hello", "bin", "Release", "net10.0");
        Assert.False(File.Exists(Path.Combine(output, "Hotplug.Abstractions.dll")));
        Assert.True(File.Exists(Path.Combine(output, PackedFeed.ContractName + ".dll")));
        Assert.True(File.Exists(Path.Combine(output, "plugin.json")));

        // The host, with the packages deployed as they are and the publisher's key trusted.
        var plugins = Path.Combine(feed.Root, "host", "plugins");
        var state = Path.Combine(feed.Root, "host", "state");
        Directory.CreateDirectory(plugins);
        Directory.CreateDirectory(Path.Combine(state, "trust"));
        foreach (var zip in Directory.GetFiles(packages))
        {
            File.Copy(zip, Path.Combine(plugins, Path.GetFileName(zip)));
        }

        File.Copy(key + ".pub", Path.Combine(state, "trust", "publisher.pub"));
        var host = Path.Combine(work, "Service", "bin", "Debug", "net10.0", "Service.dll");
        var seen = await RunUntilAsync(host, ["--plugins", plugins, "--state", state], "Hello, world, from hello@1.0.0", "Plugin hello-process 1.0.0: Healthy");
        Assert.DoesNotContain("rejected", seen, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Publish_WithHotplugPackage_WritesTheSignedPackageFromThePublishFolder()
    {
        await feed.NewAsync("hotplug-plugin", "-n", "Published", "--contract", PackedFeed.ContractName);
        var (key, keyId) = NewKey("publish");
        var packages = Path.Combine(feed.Root, "published-packages");
        var publish = Path.Combine(feed.Root, "published");

        await DotnetRun.RunOkAsync("dotnet", ["publish", "Published", "-o", publish, "-p:HotplugPackage=true", $"-p:PackageOutputPath={packages}"], feed.Workspace, With(feed.Environment, "HOTPLUG_SIGNING_KEY", key + ".key"));

        Assert.True(File.Exists(Path.Combine(publish, "plugin.json")));
        Assert.False(File.Exists(Path.Combine(publish, "Hotplug.Abstractions.dll")));
        using var trust = TrustStore.Load(key + ".pub");
        Assert.Equal(("published", "1.0.0", keyId), PluginPackager.Verify(Path.Combine(packages, "published-1.0.0.zip"), trust));
    }

    [Fact]
    public async Task Pack_WithoutAKey_WarnsAndWritesAnUnsignedPackageOfTheProjectVersion()
    {
        await feed.NewAsync("hotplug-plugin", "-n", "Unsigned", "--contract", PackedFeed.ContractName);
        var packages = Path.Combine(feed.Root, "unsigned-packages");

        var output = await feed.DotnetAsync(feed.Workspace, "pack", "Unsigned", "-o", packages, "-p:Version=2.3.4");

        Assert.Contains("warning HP1300", output, StringComparison.Ordinal);
        var zip = Path.Combine(packages, "unsigned-2.3.4.zip");
        Assert.Equal(("unsigned", "2.3.4", (string?)null), PluginPackager.Verify(zip, TrustStore.Empty, requireSignature: false));
        var rejected = Assert.Throws<PackageVerificationException>(() => PluginPackager.Verify(zip, TrustStore.Empty));
        Assert.Equal("HP1001", rejected.Code);
        Assert.Empty(Directory.GetFiles(packages, "*.nupkg"));
    }

    [Fact]
    public async Task Build_ManifestWhoseEntryTheBuildDoesNotWrite_FailsOnPluginJson()
    {
        await feed.NewAsync("hotplug-plugin", "-n", "Broken", "--contract", PackedFeed.ContractName);
        var manifest = Path.Combine(feed.Workspace, "Broken", "plugin.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"Broken.dll\"", "\"Missing.dll\"", StringComparison.Ordinal));

        var (exitCode, output) = await DotnetRun.RunAsync("dotnet", ["build", "Broken"], feed.Workspace, feed.Environment);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"{manifest} : error HP1110: field 'entry': 'Missing.dll' is not in the plugin folder", output, StringComparison.Ordinal);
    }

    private (string BasePath, string KeyId) NewKey(string name)
    {
        var basePath = Path.Combine(feed.Root, "keys", name);
        Directory.CreateDirectory(Path.GetDirectoryName(basePath)!);
        using var key = SigningKey.Generate();
        key.Save(basePath);
        return (basePath, key.KeyId);
    }

    private static Dictionary<string, string?> With(IReadOnlyDictionary<string, string?> environment, string name, string value) =>
        new(environment) { [name] = value };

    /// <summary>Runs the host until its output holds every one of <paramref name="expected"/>, then stops it.</summary>
    private async Task<string> RunUntilAsync(string dll, string[] arguments, params string[] expected)
    {
        await using var host = BackgroundCommand.Start("dotnet", [dll, .. arguments], feed.Workspace, feed.Environment);
        foreach (var line in expected)
        {
            await host.WaitForAsync(line);
        }

        return host.Output;
    }
}
