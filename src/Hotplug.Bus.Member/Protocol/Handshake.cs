using System.Security.Cryptography;
using System.Text.Json;
using NaCl;

namespace Hotplug.Bus.Protocol;

/// <summary>What a member says of itself when it joins (<see cref="FrameKind.Hello"/>, as JSON).</summary>
internal sealed record Announce(
    string Member,
    string Service,
    string Version,
    IReadOnlyList<string> Contracts,
    string? PublicKey,
    string? Ticket,
    int Credit);

/// <summary>What the hub answers a member it accepts (<see cref="FrameKind.Welcome"/>, as JSON).</summary>
internal sealed record Welcome(
    string PluginId,
    string PluginVersion,
    IReadOnlyDictionary<string, string?> Config,
    int HeartbeatMs,
    int TimeoutMs,
    int MaxMessageBytes);

/// <summary>The handshake's JSON and its proof of a member's key.</summary>
internal static class Handshake
{
    public const int NonceLength = 24;
    public const int ChallengeLength = 32;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static byte[] Write<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Json);

    /// <summary>Reads a handshake document; <see langword="null"/> when it is not one.</summary>
    public static T? Read<T>(byte[] data)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(data, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// A member proves it holds the secret key of the public key it announced: it seals the hub's challenge in a NaCl
    /// box from its secret key to the hub's public key, which only the holder of both ends can open.
    /// </summary>
    public static byte[] Prove(byte[] memberSecretKey, byte[] hubPublicKey, byte[] nonce, byte[] challenge)
    {
        using var box = new Curve25519XSalsa20Poly1305(memberSecretKey, hubPublicKey);
        var sealedChallenge = new byte[challenge.Length + Curve25519XSalsa20Poly1305.TagLength];
        box.Encrypt(sealedChallenge, challenge, nonce);
        return sealedChallenge;
    }

    /// <summary>Checks a member's proof against the challenge the hub sent it.</summary>
    public static bool Verify(byte[] hubSecretKey, byte[] memberPublicKey, byte[] nonce, byte[] challenge, byte[] proof)
    {
        if (proof.Length != challenge.Length + Curve25519XSalsa20Poly1305.TagLength || memberPublicKey.Length != 32)
        {
            return false;
        }

        using var box = new Curve25519XSalsa20Poly1305(hubSecretKey, memberPublicKey);
        var opened = new byte[challenge.Length];
        return box.TryDecrypt(opened, proof, nonce) && CryptographicOperations.FixedTimeEquals(opened, challenge);
    }

    /// <summary>Compares a launch ticket in constant time.</summary>
    public static bool SameTicket(string? expected, string? given) =>
        expected is not null && given is not null &&
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(expected), System.Text.Encoding.UTF8.GetBytes(given));
}
