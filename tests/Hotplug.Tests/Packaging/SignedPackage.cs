using Hotplug.Packaging;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests.Packaging;

/// <summary>A real signed package of the echo test plugin, and a trust folder that trusts its key.</summary>
internal sealed class SignedPackage : IDisposable
{
    private SignedPackage(string root, SigningKey key)
    {
        Root = root;
        Key = key;
        Folder = Path.Combine(root, "package");
        TrustPath = Path.Combine(root, "trust");
    }

    public string Root { get; }

    public SigningKey Key { get; }

    public string Folder { get; }

    public string TrustPath { get; }

    public static SignedPackage Create(string id = "echo", string version = "1.0.0")
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-signing-tests", Guid.NewGuid().ToString("N")[..10]);
        var package = new SignedPackage(root, SigningKey.Generate());
        Build(package.Folder, package.Key, id, version);
        Directory.CreateDirectory(package.TrustPath);
        File.WriteAllText(Path.Combine(package.TrustPath, "publisher.pub"), package.Key.PublicKeyPem);
        return package;
    }

    /// <summary>Lays out the echo plugin in <paramref name="folder"/>, lists its files and signs it.</summary>
    public static void Build(string folder, SigningKey? key, string id, string version, System.Text.Json.Nodes.JsonObject? config = null)
    {
        TestPlugins.Install(folder, TestPlugins.Manifest(id, version, config: config));
        PluginPackager.WriteFileList(folder);
        if (key is not null)
        {
            PluginPackager.Sign(folder, key);
        }
    }

    public TrustStore Trust() => TrustStore.Load(TrustPath);

    public string Verify(bool requireSignature = true)
    {
        using var trust = Trust();
        return PluginPackager.Verify(Folder, trust, requireSignature).KeyId!;
    }

    public PackageVerificationException Rejected(bool requireSignature = true)
    {
        using var trust = Trust();
        return Assert.Throws<PackageVerificationException>(() => PluginPackager.Verify(Folder, trust, requireSignature));
    }

    public void Dispose()
    {
        Key.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
