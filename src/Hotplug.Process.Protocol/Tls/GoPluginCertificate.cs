using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hotplug.Process.Protocol;

/// <summary>
/// The one-off certificates of go-plugin's AutoMTLS, made by host and plugin alike in go-plugin's shape: a
/// self-signed ECDSA certificate for <c>localhost</c>, for client and server authentication, marked as a CA so
/// it anchors itself (go-plugin's <c>internal/plugin/mtls.go</c>, <c>generateCert</c>). The host passes its own in
/// <c>PLUGIN_CLIENT_CERT</c> (PEM), the plugin returns its own in the handshake (<see cref="ToHandshake"/>).
/// </summary>
internal static class GoPluginCertificate
{
    /// <summary>
    /// Chain checks that trust the peer's one certificate and nothing else: no system root store is read (its
    /// first load costs tens of milliseconds), nothing is downloaded, no revocation is checked.
    /// </summary>
    public static X509ChainPolicy Pinned(X509Certificate2 peer)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.Add(peer);
        return policy;
    }

    /// <summary>Makes a one-off certificate in go-plugin's shape, valid for a year.</summary>
    public static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=Hotplug", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyAgreement | X509KeyUsageFlags.KeyCertSign,
            critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")],
            critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddYears(1));
        if (!OperatingSystem.IsWindows())
        {
            // OpenSSL serves TLS with the in-memory key as it is.
            return created;
        }

        // Windows' TLS stack cannot use an ephemeral key: a PKCS#12 round trip gives it one it can.
        using (created)
        {
            return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        }
    }

    /// <summary>The certificate as the handshake line carries it: DER in base64, without padding, as go-plugin writes it.</summary>
    public static string ToHandshake(X509Certificate2 certificate) => Convert.ToBase64String(certificate.RawData).TrimEnd('=');

    /// <summary>The DER bytes of a certificate from a handshake line (base64, padded or not).</summary>
    /// <exception cref="FormatException">It is not base64.</exception>
    public static byte[] FromHandshake(string certificate) =>
        Convert.FromBase64String(certificate.PadRight(certificate.Length + ((4 - (certificate.Length % 4)) % 4), '='));
}
