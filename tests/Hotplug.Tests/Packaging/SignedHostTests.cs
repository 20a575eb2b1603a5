using System.IO.Compression;
using System.Text.Json.Nodes;
using Hotplug.Packaging;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests.Packaging;

/// <summary>A real host in its default mode: only packages signed by a trusted key run.</summary>
public sealed class SignedHostTests : IDisposable
{
    private readonly SigningKey _key = SigningKey.Generate();
    private readonly string _trust = Path.Combine(Path.GetTempPath(), "hotplug-trust", Guid.NewGuid().ToString("N")[..10]);

    public SignedHostTests()
    {
        Directory.CreateDirectory(_trust);
        File.WriteAllText(Path.Combine(_trust, "publisher.pub"), _key.PublicKeyPem);
    }

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_trust, recursive: true);
    }

    [Fact]
    public async Task Load_SignedPackage_Serves()
    {
        await using var host = await StartAsync();

        await InstallSignedAsync(host, "echo", "1.0.0");

        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Load_Unsigned_RejectedWithCodeAndNothingRuns()
    {
        await using var host = await StartAsync();

        var rejected = host.WaitForAsync("echo", PluginVersionState.Rejected);
        SignedPackage.Build(host.Folder("echo"), key: null, "echo", "1.0.0");
        var change = await rejected;

        Assert.StartsWith(PackageErrors.Unsigned, change.Reason);
        Assert.Null(host.Plugins.GetPlugin("echo")!.StorePath);
        await Assert.ThrowsAsync<PluginUnavailableException>(() => host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x")).AsTask());
    }

    [Fact]
    public async Task Upgrade_TamperedPackage_RejectedWithReasonAndRunningVersionKeepsServing()
    {
        await using var host = await StartAsync();
        await InstallSignedAsync(host, "echo", "1.0.0");

        // Build a signed 2.0.0 elsewhere, flip one byte of its entry assembly, then ship it over 1.0.0.
        var staging = Path.Combine(host.Root, "incoming");
        SignedPackage.Build(staging, _key, "echo", "2.0.0");
        var dll = Path.Combine(staging, "EchoPlugin.dll");
        var bytes = await File.ReadAllBytesAsync(dll);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(dll, bytes);
        var rejected = host.WaitForAsync("echo", PluginVersionState.Rejected, "2.0.0");
        CopyOver(staging, host.Folder("echo"));
        var change = await rejected;

        Assert.StartsWith(PackageErrors.HashMismatch, change.Reason);
        var status = host.Plugins.GetPlugin("echo")!;
        Assert.Equal(PluginState.Healthy, status.State);
        Assert.Equal("1.0.0", status.Version);
        Assert.Contains(PackageErrors.HashMismatch, status.LastError);
        Assert.Contains(status.PreviousVersions, r => r.Version == "2.0.0" && r.State == PluginVersionState.Rejected);
        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Theory]
    [InlineData("unsigned", PackageErrors.Unsigned)]
    [InlineData("unknown key", PackageErrors.UnknownKey)]
    [InlineData("revoked key", PackageErrors.RevokedKey)]
    [InlineData("unpinned key", PackageErrors.UnpinnedKey)]
    public async Task Upgrade_NotSignedByAnAllowedKey_RejectedAndRunningVersionKeepsServing(string kind, string code)
    {
        using var other = SigningKey.Generate();
        switch (kind)
        {
            case "revoked key":
                await File.WriteAllTextAsync(Path.Combine(_trust, "other.pub"), other.PublicKeyPem);
                await File.WriteAllTextAsync(Path.Combine(_trust, "revoked.txt"), other.KeyId + "\n");
                break;
            case "unpinned key":
                await File.WriteAllTextAsync(Path.Combine(_trust, "other.pub"), other.PublicKeyPem);
                await File.WriteAllTextAsync(Path.Combine(_trust, "pins.json"), $$"""{ "echo": ["{{_key.KeyId}}"] }""");
                break;
        }

        await using var host = await StartAsync();
        await InstallSignedAsync(host, "echo", "1.0.0");

        var staging = Path.Combine(host.Root, "incoming");
        SignedPackage.Build(staging, kind == "unsigned" ? null : other, "echo", "2.0.0");
        var rejected = host.WaitForAsync("echo", PluginVersionState.Rejected, "2.0.0");
        if (kind == "unsigned")
        {
            File.Delete(Path.Combine(host.Folder("echo"), "plugin.sig"));
        }

        CopyOver(staging, host.Folder("echo"));

        Assert.StartsWith(code, (await rejected).Reason);
        Assert.Contains(code, host.Plugins.GetPlugin("echo")!.LastError);
        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Upgrade_FileSwappedInSourceAfterVerification_DoesNotRun()
    {
        await using var host = await StartAsync();
        await InstallSignedAsync(host, "echo", "1.0.0", new JsonObject { ["greeting"] = "verified" });
        var store = host.Plugins.GetPlugin("echo")!.StorePath!;

        // The source is changed after its copy was verified: the copy runs, the change is rejected.
        var rejected = host.WaitForAsync("echo", PluginVersionState.Rejected);
        File.Copy(Path.Combine(TestPlugins.BuildOutput, TestPlugins.OldLibrary, "OldLibraryPlugin.dll"), Path.Combine(host.Folder("echo"), "EchoPlugin.dll"), overwrite: true);
        var change = await rejected;

        Assert.StartsWith(PackageErrors.SizeMismatch, change.Reason);
        Assert.Equal(store, host.Plugins.GetPlugin("echo")!.StorePath);
        Assert.Equal("verified", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Greeting);
    }

    [Fact]
    public async Task Upgrade_Downgrade_RefusedUntilAnOperatorAllowsTheRollback()
    {
        await using var host = await StartAsync();
        await InstallSignedAsync(host, "echo", "2.0.0");

        var refused = host.WaitForAsync("echo", PluginVersionState.Rejected, "1.0.0");
        SignedPackage.Build(host.Folder("echo"), _key, "echo", "1.0.0");
        var change = await refused;

        Assert.StartsWith(PackageErrors.Downgrade, change.Reason);
        Assert.Equal("2.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);

        var rolledBack = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        host.Admin.AllowDowngrade("echo", "1.0.0");
        var back = await rolledBack;
        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
        Assert.Equal("rolled back from 2.0.0", back.Reason);
    }

    [Theory]
    [InlineData("../../x", "1.0.0")]
    [InlineData("echo\n", "1.0.0")]
    [InlineData("echo", "1.0")]
    [InlineData("echo", "../1.0.0")]
    public async Task AllowDowngrade_InvalidIdOrVersion_Refused(string id, string version)
    {
        await using var host = await StartAsync();

        Assert.Throws<ArgumentException>(() => host.Admin.AllowDowngrade(id, version));
    }

    [Fact]
    public async Task Load_SignedByUnknownKey_RejectedThenAdmittedWhenItsKeyIsTrusted()
    {
        await using var host = await StartAsync();
        using var newcomer = SigningKey.Generate();

        var rejected = host.WaitForAsync("echo", PluginVersionState.Rejected);
        SignedPackage.Build(host.Folder("echo"), newcomer, "echo", "1.0.0");
        Assert.StartsWith(PackageErrors.UnknownKey, (await rejected).Reason);

        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        await File.WriteAllTextAsync(Path.Combine(_trust, "newcomer.pub"), newcomer.PublicKeyPem);
        await healthy;
    }

    [Fact]
    public async Task Load_SignedZip_Serves()
    {
        await using var host = await StartAsync();
        var source = Path.Combine(host.Root, "build");
        TestPlugins.Install(source, TestPlugins.Manifest("zipped", "1.0.0"));

        var healthy = host.WaitForAsync("zipped", PluginVersionState.Healthy, "1.0.0");
        PluginPackager.Pack(source, Path.Combine(host.Root, "zipped.zip"), _key);
        File.Move(Path.Combine(host.Root, "zipped.zip"), Path.Combine(host.PluginsPath, "zipped.zip"));
        await healthy;

        Assert.Equal("zipped", (await host.Plugins.Get<IEcho>("zipped").EchoAsync(new EchoRequest("x"))).PluginId);
    }

    [Theory]
    [InlineData("traversal", PackageErrors.ZipTraversal)]
    [InlineData("absolute", PackageErrors.ZipAbsolutePath)]
    [InlineData("duplicate", PackageErrors.ZipDuplicateEntry)]
    [InlineData("oversized", PackageErrors.ZipTooLarge)]
    public async Task Load_CraftedZip_RejectedAndNothingWrittenOutsideTheStore(string kind, string code)
    {
        await using var host = await StartAsync(o => o.MaxPackageSize = 4 * 1024 * 1024);
        await InstallSignedAsync(host, "good", "1.0.0");
        var zip = Path.Combine(host.Root, "crafted.zip");
        Craft(zip, kind);

        var rejected = host.WaitForAsync(c => c.VersionState == PluginVersionState.Rejected && c.Reason?.StartsWith(code, StringComparison.Ordinal) == true);
        File.Move(zip, Path.Combine(host.PluginsPath, "crafted.zip"));
        await rejected;

        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "evil.txt", SearchOption.TopDirectoryOnly));
        Assert.Empty(Directory.GetFiles(host.Root, "evil.txt", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetDirectories(Path.Combine(host.StatePath, "store"), ".staging-*"));
        Assert.Equal("x", (await host.Plugins.Get<IEcho>("good").EchoAsync(new EchoRequest("x"))).Text);
    }

    private void Craft(string path, string kind)
    {
        if (kind == "oversized")
        {
            // Signed, so that it is the size that is refused: a zip's signature is checked before its sizes.
            var folder = path + ".d";
            TestPlugins.WriteManifest(Directory.CreateDirectory(folder).FullName, TestPlugins.Manifest("crafted", "1.0.0"));
            File.WriteAllBytes(Path.Combine(folder, "EchoPlugin.dll"), [1, 2, 3]);
            File.WriteAllBytes(Path.Combine(folder, "zeros.bin"), new byte[8 * 1024 * 1024]);
            PluginPackager.Pack(folder, path, _key);
            return;
        }

        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        void Add(string name, byte[] content)
        {
            using var stream = archive.CreateEntry(name).Open();
            stream.Write(content);
        }

        Add("plugin.json", System.Text.Encoding.UTF8.GetBytes(TestPlugins.Manifest("crafted", "1.0.0").ToJsonString()));
        Add("EchoPlugin.dll", [1, 2, 3]);
        switch (kind)
        {
            case "traversal": Add("../../evil.txt", [1]); break;
            case "absolute": Add("/tmp/evil.txt", [1]); break;
            case "duplicate": Add("EchoPlugin.dll", [4, 5, 6]); break;
        }
    }

    private Task<HostFixture> StartAsync(Action<HotplugOptions>? configure = null) =>
        HostFixture.StartAsync(o =>
        {
            o.RequireSignedPackages = true;
            o.TrustPath = _trust;
            configure?.Invoke(o);
        });

    private async Task InstallSignedAsync(HostFixture host, string id, string version, JsonObject? config = null)
    {
        var healthy = host.WaitForAsync(id, PluginVersionState.Healthy, version);
        SignedPackage.Build(host.Folder(id), _key, id, version, config);
        await healthy;
    }

    private static void CopyOver(string source, string target)
    {
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }
}
