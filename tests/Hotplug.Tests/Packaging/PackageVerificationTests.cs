using Hotplug.Packaging;

namespace Hotplug.Tests.Packaging;

public sealed class PackageVerificationTests
{
    [Fact]
    public void Verify_SignedPackage_AcceptedWithItsKeyId()
    {
        using var package = SignedPackage.Create();

        Assert.Equal(package.Key.KeyId, package.Verify());
    }

    [Fact]
    public void Verify_AnySingleByteOfAnyFileFlipped_Rejected()
    {
        using var package = SignedPackage.Create();
        var random = new Random(20261124);
        var files = Directory.GetFiles(package.Folder);
        Assert.Contains(files, f => f.EndsWith("plugin.sig", StringComparison.Ordinal));
        var checkedFlips = 0;

        foreach (var file in files)
        {
            var original = File.ReadAllBytes(file);
            var offsets = new[] { 0, 1, original.Length / 4, original.Length / 2, (3 * original.Length) / 4, original.Length - 2, original.Length - 1 }
                .Concat(Enumerable.Range(0, 6).Select(_ => random.Next(original.Length)))
                .Where(o => o >= 0 && o < original.Length)
                .Distinct();
            foreach (var offset in offsets)
            {
                var tampered = (byte[])original.Clone();
                tampered[offset] ^= 0x01;
                File.WriteAllBytes(file, tampered);
                var error = package.Rejected();
                var expected = Path.GetFileName(file) switch
                {
                    "plugin.json" => [PackageErrors.BadSignature],
                    "plugin.sig" => new[] { PackageErrors.MalformedSignature, PackageErrors.BadSignature, PackageErrors.UnknownKey },
                    _ => [PackageErrors.HashMismatch],
                };
                Assert.True(expected.Contains(error.Code), $"{Path.GetFileName(file)} byte {offset}: {error.Message}");
                checkedFlips++;
            }

            File.WriteAllBytes(file, original);
        }

        Assert.True(checkedFlips >= files.Length * 10);
        Assert.Equal(package.Key.KeyId, package.Verify());
    }

    [Fact]
    public void Verify_FileAdded_RejectedAsUnlisted()
    {
        using var package = SignedPackage.Create();
        File.WriteAllText(Path.Combine(package.Folder, "extra.dll"), "x");

        Assert.Equal(PackageErrors.UnlistedFile, package.Rejected().Code);
    }

    [Fact]
    public void Verify_FileRemoved_RejectedAsMissing()
    {
        using var package = SignedPackage.Create();
        File.Delete(Path.Combine(package.Folder, "Newtonsoft.Json.dll"));

        var error = package.Rejected();

        Assert.Equal(PackageErrors.MissingFile, error.Code);
        Assert.Contains("Newtonsoft.Json.dll", error.Message);
    }

    [Fact]
    public void Verify_FileRenamed_Rejected()
    {
        using var package = SignedPackage.Create();
        File.Move(Path.Combine(package.Folder, "EchoPlugin.pdb"), Path.Combine(package.Folder, "EchoPlugin2.pdb"));

        Assert.Contains(package.Rejected().Code, new[] { PackageErrors.UnlistedFile, PackageErrors.MissingFile });
    }

    [Fact]
    public void Verify_FileReplacedWithOneOfAnotherSize_RejectedAsSizeMismatch()
    {
        using var package = SignedPackage.Create();
        File.AppendAllText(Path.Combine(package.Folder, "EchoPlugin.deps.json"), " ");

        Assert.Equal(PackageErrors.SizeMismatch, package.Rejected().Code);
    }

    [Fact]
    public void Verify_SignedByAnotherKey_RejectedAsUnknown()
    {
        using var package = SignedPackage.Create();
        using var stranger = SigningKey.Generate();
        PluginPackager.Sign(package.Folder, stranger);

        var error = package.Rejected();

        Assert.Equal(PackageErrors.UnknownKey, error.Code);
        Assert.Contains(stranger.KeyId, error.Message);
    }

    [Fact]
    public void Verify_RevokedKey_Rejected()
    {
        using var package = SignedPackage.Create();
        File.WriteAllText(Path.Combine(package.TrustPath, "revoked.txt"), $"# lost laptop\n{package.Key.KeyId}\n");

        Assert.Equal(PackageErrors.RevokedKey, package.Rejected().Code);
    }

    [Fact]
    public void Verify_PluginPinnedToAnotherKey_RejectedAsUnpinned()
    {
        using var package = SignedPackage.Create(id: "payments.card");
        using var other = SigningKey.Generate();
        File.WriteAllText(Path.Combine(package.TrustPath, "other.pub"), other.PublicKeyPem);
        File.WriteAllText(Path.Combine(package.TrustPath, "pins.json"), $$"""{ "payments.*": ["{{other.KeyId}}"] }""");

        Assert.Equal(PackageErrors.UnpinnedKey, package.Rejected().Code);
    }

    [Fact]
    public void Verify_PluginPinnedToItsKey_Accepted()
    {
        using var package = SignedPackage.Create(id: "payments.card");
        File.WriteAllText(Path.Combine(package.TrustPath, "pins.json"), $$"""{ "payments.*": ["{{package.Key.KeyId}}"] }""");

        Assert.Equal(package.Key.KeyId, package.Verify());
    }

    [Fact]
    public void Verify_Unsigned_RejectedUnlessAllowed()
    {
        using var package = SignedPackage.Create();
        File.Delete(Path.Combine(package.Folder, "plugin.sig"));

        Assert.Equal(PackageErrors.Unsigned, package.Rejected().Code);
        using var trust = package.Trust();
        Assert.Null(PluginPackager.Verify(package.Folder, trust, requireSignature: false).KeyId);
    }

    [Fact]
    public void Verify_UnsignedAllowedButTampered_StillRejectedByItsFileList()
    {
        using var package = SignedPackage.Create();
        File.Delete(Path.Combine(package.Folder, "plugin.sig"));
        File.WriteAllText(Path.Combine(package.Folder, "extra.txt"), "x");

        Assert.Equal(PackageErrors.UnlistedFile, package.Rejected(requireSignature: false).Code);
    }

    [Fact]
    public void Verify_SymbolicLink_Rejected()
    {
        using var package = SignedPackage.Create();
        File.CreateSymbolicLink(Path.Combine(package.Folder, "passwd"), "/etc/passwd");

        Assert.Equal(PackageErrors.SymbolicLink, package.Rejected().Code);
    }

    [Fact]
    public void Sign_ManifestWithoutFileList_Refused()
    {
        using var package = SignedPackage.Create();
        var manifest = Path.Combine(package.Folder, "plugin.json");
        File.WriteAllText(manifest, Tests.Infrastructure.TestPlugins.Manifest("echo", "1.0.0").ToJsonString());

        var error = Assert.Throws<PackageVerificationException>(() => PluginPackager.Sign(package.Folder, package.Key));

        Assert.Equal(PackageErrors.NoFileList, error.Code);
    }

    [Fact]
    public void SigningKey_SaveAndLoad_SameKeyIdAndPrivateFileOwnerOnly()
    {
        using var package = SignedPackage.Create();
        var (privatePath, publicPath) = package.Key.Save(Path.Combine(package.Root, "keys", "publisher"));

        using var loaded = SigningKey.Load(privatePath);

        Assert.Equal(package.Key.KeyId, loaded.KeyId);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privatePath));
        using var trust = TrustStore.Load(publicPath);
        Assert.Equal([package.Key.KeyId], trust.KeyIds);
    }
}
