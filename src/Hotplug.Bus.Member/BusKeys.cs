using NetMQ;

namespace Hotplug.Bus;

/// <summary>
/// A bus key pair: a Curve25519 key, written as 40-character Z85 text as ZeroMQ writes CURVE keys. The hub's key
/// encrypts the bus (members need its public key); a member's key identifies it (the hub trusts the public keys in its
/// trust folder).
/// </summary>
/// <remarks>
/// <see cref="Save"/> writes <c>name.key</c>, the secret key, one line of Z85 readable by its owner only, and
/// <c>name.pub</c>, the public key, to hand out (into a host's trusted members folder, or to members).
/// </remarks>
public sealed class BusKeys
{
    private BusKeys(NetMQCertificate certificate) => Certificate = certificate;

    /// <summary>Gets the public key as Z85 text.</summary>
    public string PublicKey => Certificate.PublicKeyZ85;

    /// <summary>Gets the secret key as Z85 text, or <see langword="null"/> for keys that hold only a public key.</summary>
    public string? SecretKey => Certificate.SecretKeyZ85;

    internal NetMQCertificate Certificate { get; }

    /// <summary>Makes a new key pair.</summary>
    /// <returns>The keys.</returns>
    public static BusKeys Create() => new(new NetMQCertificate());

    /// <summary>Reads a key pair from its secret key.</summary>
    /// <param name="secretKey">The secret key, Z85 text.</param>
    /// <returns>The keys.</returns>
    /// <exception cref="FormatException">The text is not a Z85 Curve25519 key.</exception>
    public static BusKeys FromSecretKey(string secretKey) => new(Parse(secretKey, NetMQCertificate.CreateFromSecretKey));

    /// <summary>Reads a public key.</summary>
    /// <param name="publicKey">The public key, Z85 text.</param>
    /// <returns>The keys, without a secret key.</returns>
    /// <exception cref="FormatException">The text is not a Z85 Curve25519 key.</exception>
    public static BusKeys FromPublicKey(string publicKey) => new(Parse(publicKey, NetMQCertificate.FromPublicKey));

    /// <summary>Reads a key pair from a secret key file (one line of Z85).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The keys.</returns>
    /// <exception cref="FormatException">The file does not hold a key; the message names it.</exception>
    public static BusKeys Load(string path)
    {
        var text = File.ReadAllText(path).Trim();
        try
        {
            return FromSecretKey(text);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{path} does not hold a bus secret key (40 characters of Z85): {ex.Message}", ex);
        }
    }

    /// <summary>Writes the secret key to <c>basePath.key</c> (owner-only on Unix) and the public key to <c>basePath.pub</c>.</summary>
    /// <param name="basePath">The files' path without extension, such as <c>keys/worker-1</c>.</param>
    /// <returns>The two files.</returns>
    public (string SecretPath, string PublicPath) Save(string basePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(basePath);
        var secret = SecretKey ?? throw new InvalidOperationException("These keys hold no secret key to save.");
        var path = basePath + ".key";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options))
        {
            writer.WriteLine(secret);
        }

        File.WriteAllText(basePath + ".pub", PublicKey + Environment.NewLine);
        return (path, basePath + ".pub");
    }

    private static NetMQCertificate Parse(string text, Func<string, NetMQCertificate> parse)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Length != 40)
        {
            throw new FormatException($"A bus key is 40 characters of Z85; this one has {text.Length}.");
        }

        try
        {
            return parse(text);
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            throw new FormatException($"Not a Z85 key: {ex.Message}", ex);
        }
    }
}
