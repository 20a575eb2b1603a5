using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hotplug.Packaging;

/// <summary>
/// The public keys a host trusts to sign plugins, which plugin ids each may sign, and which keys are revoked.
/// </summary>
/// <remarks>
/// A trust folder holds:
/// <list type="bullet">
/// <item><c>*.pub</c>: trusted public keys (PEM); each key's id is derived from the key itself.</item>
/// <item><c>pins.json</c> (optional): <c>{"ranker": ["&lt;key id&gt;"], "payments.*": ["..."]}</c>. A plugin id
/// that matches a pattern (<c>*</c> matches any run of characters) may be signed only by the keys listed for
/// it; ids that match no pattern may be signed by any trusted key.</item>
/// <item><c>revoked.txt</c> (optional): one key id per line (<c>#</c> starts a comment). A revoked key is
/// refused even when its <c>.pub</c> is still in the folder.</item>
/// </list>
/// </remarks>
public sealed class TrustStore : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys;
    private readonly List<(Regex Pattern, string Text, HashSet<string> Keys)> _pins;
    private readonly HashSet<string> _revoked;

    private TrustStore(Dictionary<string, ECDsa> keys, List<(Regex, string, HashSet<string>)> pins, HashSet<string> revoked, string? source)
    {
        _keys = keys;
        _pins = pins;
        _revoked = revoked;
        Source = source;
    }

    /// <summary>Gets a trust store that trusts no key.</summary>
    public static TrustStore Empty => new([], [], [], null);

    /// <summary>Gets where the store was loaded from.</summary>
    public string? Source { get; }

    /// <summary>Gets the ids of the trusted keys.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>Loads a trust folder, or a single <c>.pub</c> file. A folder that does not exist trusts nothing.</summary>
    /// <param name="path">A folder or a <c>.pub</c> file.</param>
    /// <returns>The store.</returns>
    /// <exception cref="PluginException">A key, <c>pins.json</c> or <c>revoked.txt</c> is invalid.</exception>
    public static TrustStore Load(string path)
    {
        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        var pins = new List<(Regex, string, HashSet<string>)>();
        var revoked = new HashSet<string>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            AddKey(keys, path);
            return new TrustStore(keys, pins, revoked, path);
        }

        if (!Directory.Exists(path))
        {
            return new TrustStore(keys, pins, revoked, path);
        }

        foreach (var file in Directory.EnumerateFiles(path, "*.pub").Order(StringComparer.Ordinal))
        {
            AddKey(keys, file);
        }

        var pinsPath = Path.Combine(path, "pins.json");
        if (File.Exists(pinsPath))
        {
            ReadPins(pinsPath, pins);
        }

        var revokedPath = Path.Combine(path, "revoked.txt");
        if (File.Exists(revokedPath))
        {
            foreach (var line in File.ReadAllLines(revokedPath))
            {
                var id = line.Split('#')[0].Trim();
                if (id.Length > 0)
                {
                    revoked.Add(id.ToLowerInvariant());
                }
            }
        }

        return new TrustStore(keys, pins, revoked, path);
    }

    /// <summary>
    /// Checks that <paramref name="signature"/> is a valid signature of the exact bytes of
    /// <paramref name="manifest"/> by a trusted, unrevoked key. Runs before the manifest is even parsed.
    /// </summary>
    internal void VerifySignature(ReadOnlySpan<byte> manifest, PackageSignature signature, string manifestPath)
    {
        if (_revoked.Contains(signature.KeyId))
        {
            throw new PackageVerificationException(PackageErrors.RevokedKey, $"{manifestPath} is signed with key {signature.KeyId}, which is revoked in {Source}/revoked.txt. Ask the publisher for a package signed with a current key.");
        }

        if (!_keys.TryGetValue(signature.KeyId, out var key))
        {
            throw new PackageVerificationException(PackageErrors.UnknownKey, $"{manifestPath} is signed with key {signature.KeyId}, which is not trusted: put its .pub in the trust folder ({Source ?? "none configured"}).");
        }

        if (!key.VerifyData(manifest, signature.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            throw new PackageVerificationException(PackageErrors.BadSignature, $"the signature by key {signature.KeyId} does not match {manifestPath}: the manifest or plugin.sig was changed after signing.");
        }
    }

    /// <summary>Checks that <paramref name="keyId"/> may sign <paramref name="pluginId"/> under <c>pins.json</c>.</summary>
    internal void CheckPinned(string pluginId, string? version, string keyId)
    {
        var pinned = _pins.Where(p => p.Pattern.IsMatch(pluginId)).ToList();
        if (pinned.Count > 0 && !pinned.Any(p => p.Keys.Contains(keyId)))
        {
            throw new PackageVerificationException(PackageErrors.UnpinnedKey, $"plugin '{pluginId}' is signed with key {keyId}, but pins.json allows only {string.Join(", ", pinned.SelectMany(p => p.Keys).Distinct())} for '{string.Join("', '", pinned.Select(p => p.Text))}'.", pluginId, version);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }

    private static void AddKey(Dictionary<string, ECDsa> keys, string file)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(file));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new PluginException($"Trusted key {file} is not a PEM ECDSA public key: {ex.Message}");
        }

        keys.TryAdd(Packaging.KeyIds.Of(key), key);
    }

    private static void ReadPins(string path, List<(Regex, string, HashSet<string>)> pins)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var pin in document.RootElement.EnumerateObject())
            {
                var keys = pin.Value.EnumerateArray().Select(k => k.GetString()!.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
                var regex = new Regex("^" + Regex.Escape(pin.Name).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
                pins.Add((regex, pin.Name, keys));
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new PluginException($"{path} must be an object of plugin id patterns to arrays of key ids, such as {{\"ranker\": [\"<key id>\"]}}: {ex.Message}");
        }
    }
}
