using System.Security.Cryptography;

namespace Hotplug.Packaging;

/// <summary>An ECDSA P-256 key pair that signs plugin packages.</summary>
/// <remarks>
/// Stored as PEM: <c>&lt;name&gt;.key</c> holds the PKCS#8 private key (mode 0600), <c>&lt;name&gt;.pub</c>
/// the SubjectPublicKeyInfo public key, which is what hosts put in their trust folder. The key id is the
/// first 16 bytes of the SHA-256 of the public key's SubjectPublicKeyInfo, in lower-case hex.
/// </remarks>
public sealed class SigningKey : IDisposable
{
    private readonly ECDsa _key;

    private SigningKey(ECDsa key)
    {
        _key = key;
        KeyId = KeyIds.Of(key);
    }

    /// <summary>Gets the key id, as it appears in <c>plugin.sig</c>.</summary>
    public string KeyId { get; }

    /// <summary>Creates a new key pair.</summary>
    /// <returns>The key.</returns>
    public static SigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Reads a private key written by <see cref="Save"/> (<c>&lt;name&gt;.key</c>).</summary>
    /// <param name="path">The <c>.key</c> file.</param>
    /// <returns>The key.</returns>
    /// <exception cref="PluginException">The file is not a P-256 private key.</exception>
    public static SigningKey Load(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new PluginException($"{path} is not a PEM ECDSA private key: {ex.Message}");
        }

        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new PluginException($"{path} is an ECDSA key of {key.KeySize} bits; Hotplug signs with P-256.");
        }

        return new SigningKey(key);
    }

    /// <summary>Writes <c>&lt;basePath&gt;.key</c> (owner-only) and <c>&lt;basePath&gt;.pub</c>.</summary>
    /// <param name="basePath">The path without extension, such as <c>keys/publisher</c>.</param>
    /// <returns>The paths written.</returns>
    public (string PrivateKeyPath, string PublicKeyPath) Save(string basePath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(basePath))!;
        Directory.CreateDirectory(directory);
        var privatePath = basePath + ".key";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(privatePath, options)))
        {
            writer.Write(_key.ExportPkcs8PrivateKeyPem());
        }

        var publicPath = basePath + ".pub";
        File.WriteAllText(publicPath, PublicKeyPem);
        return (privatePath, publicPath);
    }

    /// <summary>Gets the public key as PEM (SubjectPublicKeyInfo).</summary>
    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    internal byte[] Sign(ReadOnlySpan<byte> data) =>
        _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
}

/// <summary>How key ids are derived.</summary>
internal static class KeyIds
{
    public static string Of(ECDsa key) =>
        Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 16));
}
