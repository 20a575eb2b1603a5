using System.IO.Compression;
using System.Text;
using Hotplug.Hosting;
using Hotplug.Packaging;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests.Packaging;

/// <summary>A signed host facing a hostile plugins folder and store: intruders, tampered store copies, zip bombs.</summary>
public sealed class HostileFolderTests : IDisposable
{
    private readonly SigningKey _key = SigningKey.Generate();
    private readonly string _trust = Path.Combine(Path.GetTempPath(), "hotplug-trust", Guid.NewGuid().ToString("N")[..10]);

    public HostileFolderTests()
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
    public async Task Restart_StoreCopyChangedWhileTheHostWasDown_RejectedWithItsCodeAndNothingRuns()
    {
        await using var first = await StartAsync();
        var healthy = first.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        SignedPackage.Build(first.Folder("echo"), _key, "echo", "1.0.0");
        await healthy;
        var store = first.Plugins.GetPlugin("echo")!.StorePath!;
        await first.StopAsync();

        // While no host runs, the DLL in the store is replaced by a changed one; the plugin's own folder is not.
        // (Replaced, not rewritten in place: the first host ran in this process, and its image may still be mapped.)
        var dll = Path.Combine(store, "EchoPlugin.dll");
        var bytes = await File.ReadAllBytesAsync(dll);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(dll + ".new", bytes);
        File.Move(dll + ".new", dll, overwrite: true);
        Task<PluginStateChange>? rejected = null;
        await using var second = await StartAsync(before: h => rejected = h.WaitForAsync("echo", PluginVersionState.Rejected, "1.0.0"), root: first.Root);
        var change = await rejected!;

        Assert.StartsWith(PackageErrors.StoreCopyChanged, change.Reason);
        Assert.Contains(store, change.Reason);
        Assert.Contains(PackageErrors.HashMismatch, change.Reason);
        Assert.Null(second.Plugins.GetPlugin("echo")!.StorePath);
        Assert.DoesNotContain(second.Changes, c => c.PluginId == "echo" && c.VersionState == PluginVersionState.Starting);
        await Assert.ThrowsAsync<PluginUnavailableException>(() => second.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x")).AsTask());

        // The operator deletes the changed copy: the package is staged again from its source, and runs.
        var restaged = second.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        Directory.Delete(store, recursive: true);
        await restaged;
        Assert.Equal(store, second.Plugins.GetPlugin("echo")!.StorePath);
        Assert.Equal("1.0.0", (await second.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Start_UnsignedFolderClaimsTheIdOfASignedPlugin_IntruderRejectedAndThePluginServes()
    {
        Task<PluginStateChange>? healthy = null;
        Task<PluginStateChange>? rejected = null;
        await using var host = await StartAsync(before: h =>
        {
            // The intruder comes first in ordinal order, and at start no version is active yet.
            TestPlugins.Install(h.Folder("a-intruder"), TestPlugins.Manifest("echo", "9.0.0"));
            SignedPackage.Build(h.Folder("b-echo"), _key, "echo", "1.0.0");
            healthy = h.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
            rejected = h.WaitForAsync("echo", PluginVersionState.Rejected, "9.0.0");
        });

        await healthy!;
        var change = await rejected!;

        Assert.StartsWith(PackageErrors.Unsigned, change.Reason);
        Assert.Contains(host.Folder("a-intruder"), change.Reason);
        var status = host.Plugins.GetPlugin("echo")!;
        Assert.Equal(PluginState.Healthy, status.State);
        Assert.Equal(host.Folder("b-echo"), status.SourcePath);
        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);

        // The intruder removed, its error goes with it; the plugin never stopped serving.
        Directory.Delete(host.Folder("a-intruder"), recursive: true);
        await HostFixture.WaitUntilAsync(() => host.Plugins.GetPlugin("echo")!.LastError is null);
        Assert.DoesNotContain(host.Changes, c => c.PluginId == "echo" && (c.VersionState is null && c.State == PluginState.Offline || c.VersionState == PluginVersionState.Unloaded));
    }

    [Fact]
    public async Task Load_SecondVerifiedFolderClaimsAServedId_RejectedNamingBothAndLoadedAtOnceWhenTheFirstGoes()
    {
        await using var host = await StartAsync();
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        SignedPackage.Build(host.Folder("b-echo"), _key, "echo", "1.0.0");
        await healthy;

        // A signed package for the same id arrives, first in ordinal order: it does not take the id away.
        var duplicate = host.WaitForAsync(c => c.PluginId == "echo" && c.VersionState == PluginVersionState.Rejected && c.Reason?.StartsWith(PackageErrors.DuplicateId, StringComparison.Ordinal) == true);
        MoveIn(host, "a-echo", "2.0.0");
        var change = await duplicate;

        Assert.Contains(host.Folder("a-echo"), change.Reason);
        Assert.Contains(host.Folder("b-echo"), change.Reason);
        Assert.Equal(PluginState.Healthy, host.Plugins.GetPlugin("echo")!.State);
        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);

        // The folder that served is removed: the other one is loaded at once, untouched.
        var takenOver = host.WaitForAsync("echo", PluginVersionState.Healthy, "2.0.0");
        Directory.Delete(host.Folder("b-echo"), recursive: true);
        await takenOver;

        var status = host.Plugins.GetPlugin("echo")!;
        Assert.Equal(host.Folder("a-echo"), status.SourcePath);
        Assert.Null(status.LastError);
        Assert.Equal("2.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Load_UnsignedZip_RejectedAsUnsignedBeforeAnythingIsExtracted()
    {
        await using var host = await StartAsync(o => o.MaxPackageSize = 4 * 1024 * 1024);
        var zip = Path.Combine(host.Root, "unsigned.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            Add(archive, "plugin.json", Encoding.UTF8.GetBytes(TestPlugins.Manifest("unsigned", "1.0.0").ToJsonString()));
            Add(archive, "EchoPlugin.dll", [1, 2, 3]);
            Add(archive, "zeros.bin", new byte[8 * 1024 * 1024]);
        }

        var rejected = host.WaitForAsync("unsigned", PluginVersionState.Rejected);
        File.Move(zip, Path.Combine(host.PluginsPath, "unsigned.zip"));

        // The signature is checked first: what the zip would expand to is never looked at.
        Assert.StartsWith(PackageErrors.Unsigned, (await rejected).Reason);
        Assert.Empty(Directory.GetDirectories(Path.Combine(host.StatePath, "store"), ".staging-*"));
    }

    [Fact]
    public async Task Load_ZipWithTooManyEntries_RejectedOffTheLoopWhileAnUnrelatedUpgradeCompletes()
    {
        await using var host = await StartAsync();
        var good = host.WaitForAsync("good", PluginVersionState.Healthy, "1.0.0");
        SignedPackage.Build(host.Folder("good"), _key, "good", "1.0.0");
        await good;

        // Hold the hostile zip's staging open: the loop must not be waiting for it.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        ((PluginHost)host.Plugins).StagingStarted = path =>
        {
            if (path.EndsWith("hostile.zip", StringComparison.Ordinal))
            {
                entered.TrySetResult();
                release.Wait(TimeSpan.FromMinutes(2));
            }
        };
        var zip = Path.Combine(host.Root, "hostile.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            Add(archive, "plugin.json", Encoding.UTF8.GetBytes(TestPlugins.Manifest("hostile", "1.0.0").ToJsonString()));
            for (var i = 0; i < 100_000; i++)
            {
                archive.CreateEntry($"e/{i}", CompressionLevel.NoCompression);
            }
        }

        var rejected = host.WaitForAsync("hostile", PluginVersionState.Rejected);
        File.Move(zip, Path.Combine(host.PluginsPath, "hostile.zip"));
        await entered.Task.WaitAsync(TimeSpan.FromMinutes(1));

        var upgraded = host.WaitForAsync("good", PluginVersionState.Healthy, "2.0.0");
        var incoming = Path.Combine(host.Root, "incoming");
        SignedPackage.Build(incoming, _key, "good", "2.0.0");
        foreach (var file in Directory.GetFiles(incoming))
        {
            File.Copy(file, Path.Combine(host.Folder("good"), Path.GetFileName(file)), overwrite: true);
        }

        await upgraded;
        Assert.False(rejected.IsCompleted);
        release.Set();
        var change = await rejected;

        Assert.StartsWith(PackageErrors.TooManyFiles, change.Reason);
        Assert.Contains("MaxPackageFiles", change.Reason);
        Assert.Empty(Directory.GetDirectories(Path.Combine(host.StatePath, "store"), ".staging-*"));
        Assert.False(Directory.Exists(Path.Combine(host.StatePath, "store", "hostile")));
        Assert.Equal("2.0.0", (await host.Plugins.Get<IEcho>("good").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Load_ManifestIsAFifo_RejectedWithoutBlockingAndTheOthersServe()
    {
        await using var host = await StartAsync();
        var healthy = host.WaitForAsync("echo", PluginVersionState.Healthy, "1.0.0");
        SignedPackage.Build(host.Folder("echo"), _key, "echo", "1.0.0");
        await healthy;

        // Opening a FIFO for reading blocks until someone writes to it: the host must never open it.
        var rejected = host.WaitForAsync(c => c.PluginId == "fifo" && c.VersionState == PluginVersionState.Rejected);
        Directory.CreateDirectory(host.Folder("fifo"));
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(host.Folder("fifo"), "plugin.json")))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var change = await rejected;

        Assert.StartsWith(Manifest.ManifestErrors.Unreadable, change.Reason);
        Assert.Contains("not a regular file", change.Reason);
        Assert.Equal("1.0.0", (await host.Plugins.Get<IEcho>("echo").EchoAsync(new EchoRequest("x"))).Version);
    }

    [Fact]
    public async Task Load_ManifestLargerThanAHostReads_RejectedWithoutReadingIt()
    {
        await using var host = await StartAsync();
        var rejected = host.WaitForAsync(c => c.PluginId == "huge" && c.VersionState == PluginVersionState.Rejected);
        Directory.CreateDirectory(host.Folder("huge"));
        using (var manifest = File.Create(Path.Combine(host.Folder("huge"), "plugin.json")))
        {
            // Sparse, within MaxPackageSize (a larger folder is refused before it is copied at all), past what a host reads.
            manifest.SetLength(16L << 20);
        }

        var change = await rejected;

        Assert.StartsWith(Manifest.ManifestErrors.Unreadable, change.Reason);
        Assert.Contains("more than the", change.Reason);
    }

    [Fact]
    public async Task Load_UnsignedFolderLargerThanMaxPackageSize_RejectedBeforeAnythingIsCopied()
    {
        await using var host = await StartAsync(o => o.MaxPackageSize = 1024 * 1024);
        var rejected = host.WaitForAsync("big", PluginVersionState.Rejected);
        var build = Path.Combine(host.Root, "build-big");
        TestPlugins.Install(build, TestPlugins.Manifest("big", "1.0.0"));
        using (var padding = File.Create(Path.Combine(build, "padding.bin")))
        {
            padding.SetLength(2 * 1024 * 1024);
        }

        Directory.Move(build, host.Folder("big"));
        var change = await rejected;

        Assert.StartsWith(PackageErrors.ZipTooLarge, change.Reason);
        Assert.Contains("nothing was copied", change.Reason);
        Assert.Empty(Directory.GetDirectories(Path.Combine(host.StatePath, "store"), ".staging-*"));
        Assert.False(Directory.Exists(Path.Combine(host.StatePath, "store", "big")));
    }

    private static void Add(ZipArchive archive, string name, byte[] content)
    {
        using var stream = archive.CreateEntry(name).Open();
        stream.Write(content);
    }

    /// <summary>Builds a signed echo package elsewhere and moves it into the plugins folder in one step.</summary>
    private void MoveIn(HostFixture host, string folderName, string version)
    {
        var build = Path.Combine(host.Root, "build-" + folderName);
        SignedPackage.Build(build, _key, "echo", version);
        Directory.Move(build, host.Folder(folderName));
    }

    private Task<HostFixture> StartAsync(Action<HotplugOptions>? configure = null, Action<HostFixture>? before = null, string? root = null) =>
        HostFixture.StartAsync(
            o =>
            {
                o.RequireSignedPackages = true;
                o.TrustPath = _trust;
                configure?.Invoke(o);
            },
            before,
            root);
}
