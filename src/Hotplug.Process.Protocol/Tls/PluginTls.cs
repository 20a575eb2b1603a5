using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hotplug.Process.Protocol;

/// <summary>
/// The plugin's side of go-plugin's AutoMTLS: its own one-off certificate, served with the host's required, and
/// presented when it dials the host's services. <see cref="AutoMtls"/> is the host's side.
/// </summary>
internal sealed class PluginTls : IDisposable
{
    private readonly byte[] _host;

    private PluginTls(X509Certificate2 certificate, X509Certificate2 host)
    {
        Certificate = certificate;
        Host = host;
        _host = host.RawData;
        // Building the certificate's context reads the system's root store, which takes tens of milliseconds
        // the first time: done beside the handshake, not before it.
        ServerOptions = Task.Run(() => new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true),
            ClientCertificateRequired = true,
            CertificateChainPolicy = GoPluginCertificate.Pinned(host),
            RemoteCertificateValidationCallback = (_, peer, _, _) => peer is not null && IsHost(peer),
            ApplicationProtocols = [SslApplicationProtocol.Http2],
        });
    }

    /// <summary>Gets the plugin's certificate, which its handshake names.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Gets the host's certificate, the only one this plugin trusts.</summary>
    public X509Certificate2 Host { get; }

    /// <summary>Gets the certificate as the handshake line carries it.</summary>
    public string HandshakeCertificate => GoPluginCertificate.ToHandshake(Certificate);

    /// <summary>Gets the TLS settings of every connection: this certificate, and the host's required.</summary>
    public Task<SslServerAuthenticationOptions> ServerOptions { get; }

    /// <summary>Makes the plugin's certificate for a host that sent <paramref name="hostPem"/> in <c>PLUGIN_CLIENT_CERT</c>.</summary>
    public static PluginTls Create(string hostPem)
    {
        var host = X509Certificate2.CreateFromPem(hostPem);
        var certificate = GoPluginCertificate.Create();
        return new PluginTls(certificate, host);
    }

    /// <summary>TLS settings to dial the host's services: present this certificate, accept only the host's.</summary>
    public SslClientAuthenticationOptions ClientOptions() => new()
    {
        TargetHost = "localhost",
        ClientCertificates = [Certificate],
        CertificateChainPolicy = GoPluginCertificate.Pinned(Host),
        RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && IsHost(certificate),
    };

    /// <summary>Whether <paramref name="certificate"/> is the host's.</summary>
    public bool IsHost(X509Certificate certificate) => CryptographicOperations.FixedTimeEquals(certificate.GetRawCertData(), _host);

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate.Dispose();
        Host.Dispose();
    }
}
