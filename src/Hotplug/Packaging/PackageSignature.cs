using System.Text;
using System.Text.Json;

namespace Hotplug.Packaging;

/// <summary>
/// <c>plugin.sig</c>: a detached signature over the exact bytes of <c>plugin.json</c>.
/// <code>{"algorithm":"ecdsa-p256-sha256","keyId":"...","signature":"base64"}</code>
/// </summary>
internal sealed record PackageSignature(string Algorithm, string KeyId, byte[] Signature)
{
    public const string FileName = "plugin.sig";
    public const string EcdsaP256Sha256 = "ecdsa-p256-sha256";

    public static PackageSignature Create(SigningKey key, ReadOnlySpan<byte> manifest) =>
        new(EcdsaP256Sha256, key.KeyId, key.Sign(manifest));

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("algorithm", Algorithm);
            writer.WriteString("keyId", KeyId);
            writer.WriteString("signature", Convert.ToBase64String(Signature));
            writer.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    /// <summary>
    /// Parses strictly: exactly the three fields, strings, canonical base64. Lenient parsing would let a
    /// changed byte (an unused base64 bit, an unknown field) through as the same signature.
    /// </summary>
    public static PackageSignature Parse(ReadOnlySpan<byte> bytes, string path)
    {
        string? algorithm = null, keyId = null, signature = null;
        try
        {
            using var document = JsonDocument.Parse(bytes.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(path, "it must be a JSON object");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw Malformed(path, $"field '{property.Name}' must be a string");
                }

                switch (property.Name)
                {
                    case "algorithm" when algorithm is null: algorithm = property.Value.GetString(); break;
                    case "keyId" when keyId is null: keyId = property.Value.GetString(); break;
                    case "signature" when signature is null: signature = property.Value.GetString(); break;
                    default: throw Malformed(path, $"field '{property.Name}' is unknown or repeated");
                }
            }
        }
        catch (JsonException ex)
        {
            throw Malformed(path, $"it is not valid JSON ({ex.Message})");
        }
        catch (DecoderFallbackException ex)
        {
            throw Malformed(path, $"it is not UTF-8 ({ex.Message})");
        }

        if (algorithm is null || keyId is null || signature is null)
        {
            throw Malformed(path, "it needs 'algorithm', 'keyId' and 'signature'");
        }

        if (algorithm != EcdsaP256Sha256)
        {
            throw Malformed(path, $"algorithm '{algorithm}' is not supported; this host verifies '{EcdsaP256Sha256}'");
        }

        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            throw Malformed(path, "'signature' is not base64");
        }

        if (Convert.ToBase64String(raw) != signature)
        {
            throw Malformed(path, "'signature' is not canonical base64");
        }

        return new PackageSignature(algorithm, keyId, raw);
    }

    private static PackageVerificationException Malformed(string path, string why) =>
        new(PackageErrors.MalformedSignature, $"{path} is malformed: {why}. Sign the package again with `hotplug sign`.");
}
