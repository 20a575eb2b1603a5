using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hotplug.Process.Protocol;

/// <summary>
/// The host's side of go-plugin's AutoMTLS: the host makes a one-off certificate and passes it to the plugin in
/// <c>PLUGIN_CLIENT_CERT</c> (PEM); the plugin makes its own, requires the host's, and returns its certificate
/// in the handshake (base64 DER without padding). Each side then trusts exactly the other's certificate, so
/// no other process on the machine can talk to the plugin or pretend to be it. <see cref="PluginTls"/> is the
/// plugin's side.
/// </summary>
internal sealed class AutoMtls : IDisposable
{
    private AutoMtls(X509Certificate2 clientCertificate)
    {
        ClientCertificate = clientCertificate;
    }

    /// <summary>Gets the host's certificate: presented to the plugin, and served to it for the host's services.</summary>
    public X509Certificate2 ClientCertificate { get; }

    /// <summary>Gets the host's certificate as <c>PLUGIN_CLIENT_CERT</c> carries it.</summary>
    public string ClientCertificatePem => ClientCertificate.ExportCertificatePem();

    /// <summary>Makes the host's certificate, shaped as go-plugin's own.</summary>
    public static AutoMtls Create() => new(GoPluginCertificate.Create());

    /// <summary>TLS settings that present the host's certificate and accept only the plugin's.</summary>
    /// <param name="serverCertificate">The certificate from the handshake: base64 DER, padding left out as go-plugin writes it.</param>
    public SslClientAuthenticationOptions ClientOptions(string serverCertificate)
    {
        var expected = GoPluginCertificate.FromHandshake(serverCertificate);
        return new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [ClientCertificate],
            CertificateChainPolicy = GoPluginCertificate.Pinned(X509CertificateLoader.LoadCertificate(expected)),
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && CryptographicOperations.FixedTimeEquals(certificate.GetRawCertData(), expected),
        };
    }

    /// <summary>Whether <paramref name="certificate"/> is the plugin's, as its handshake named it: the one client the host's services accept.</summary>
    public static bool IsPlugin(X509Certificate2 certificate, byte[] serverCertificate) =>
        CryptographicOperations.FixedTimeEquals(certificate.RawData, serverCertificate);

    /// <inheritdoc />
    public void Dispose() => ClientCertificate.Dispose();
}
