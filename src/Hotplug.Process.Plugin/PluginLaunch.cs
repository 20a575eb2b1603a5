using System.Globalization;
using System.Net;
using Hotplug.Process.Protocol;

namespace Hotplug.Process.Plugin;

/// <summary>
/// What the host asked of this plugin process through its environment (<see cref="ProtocolEnvironment"/>): that it is
/// started by a host at all (the magic cookie), the application protocol version, the transport and where to
/// listen, and AutoMTLS.
/// </summary>
/// <param name="Version">The application protocol version both sides speak.</param>
/// <param name="Network">Where the plugin serves: <see cref="Handshake.Networks"/>.</param>
/// <param name="Socket">The Unix socket's path (made up on every transport; used on <c>unix</c>).</param>
/// <param name="Port">The loopback TCP port, on <c>tcp</c>.</param>
/// <param name="HostCertificatePem">The host's AutoMTLS certificate, or <see langword="null"/> without AutoMTLS.</param>
/// <param name="FastLaneToken">The token of the fast lane the host offers (<see cref="ProtocolEnvironment.FastLane"/>), or <see langword="null"/> when it offers none.</param>
internal sealed record PluginLaunch(int Version, string Network, string Socket, int Port, string? HostCertificatePem, string? FastLaneToken = null)
{
    /// <summary>Gets the address the handshake names.</summary>
    public string Address => Network switch
    {
        Handshake.Networks.Tcp => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}",
        Handshake.Networks.Stdio => Handshake.StdioAddress,
        _ => Socket,
    };

    /// <summary>Reads the environment, or says why the plugin must not serve (in go-plugin's words where it has some).</summary>
    public static PluginLaunch? Read(GoPluginServerOptions options, out string? refusal)
    {
        if (Environment.GetEnvironmentVariable(options.MagicCookieKey) != options.MagicCookieValue)
        {
            // go-plugin's own words, so users of either recognise them.
            refusal = "This binary is a plugin. These are not meant to be executed directly.\nPlease execute the program that consumes these plugins, which will\nload any plugins automatically";
            return null;
        }

        var hostVersions = Environment.GetEnvironmentVariable(ProtocolEnvironment.ProtocolVersions);
        if (ProtocolEnvironment.Negotiate(options.ProtocolVersions, hostVersions) is not { } version)
        {
            refusal = $"Incompatible API version with plugin. Plugin versions: {string.Join(",", options.ProtocolVersions)}, host versions: {hostVersions}";
            return null;
        }

        // The host names the transport (a Hotplug extension); without it, a Unix socket, or TCP where there are none.
        var network = Environment.GetEnvironmentVariable(ProtocolEnvironment.Transport) is { Length: > 0 } named ? named
            : OperatingSystem.IsWindows() ? Handshake.Networks.Tcp : Handshake.Networks.Unix;
        if (!Handshake.Networks.IsKnown(network))
        {
            refusal = $"Unknown transport '{network}' in {ProtocolEnvironment.Transport}: this plugin serves on unix, tcp or stdio.";
            return null;
        }

        var folder = Environment.GetEnvironmentVariable(ProtocolEnvironment.UnixSocketFolder) is { Length: > 0 } d ? d
            : Environment.GetEnvironmentVariable(ProtocolEnvironment.TempFolder) is { Length: > 0 } t ? t : "/tmp";
        // Not a secret: the folder is private. Random.Shared, not the cryptographic generator, whose first use loads the TLS library.
        var socket = Path.Combine(folder, "plugin" + Random.Shared.Next().ToString(CultureInfo.InvariantCulture));
        var port = network == Handshake.Networks.Tcp ? FreePort() : 0;
        if (port < 0)
        {
            refusal = $"No free TCP port between {ProtocolEnvironment.MinPort} and {ProtocolEnvironment.MaxPort} ({Environment.GetEnvironmentVariable(ProtocolEnvironment.MinPort)}..{Environment.GetEnvironmentVariable(ProtocolEnvironment.MaxPort)}).";
            return null;
        }

        refusal = null;
        var pem = Environment.GetEnvironmentVariable(ProtocolEnvironment.ClientCertificate);
        // A token of any other shape is no offer: the plugin serves gRPC, which any host speaks.
        var token = Environment.GetEnvironmentVariable(ProtocolEnvironment.FastLane);
        if (token is not { Length: Protocol.Frames.FrameProtocol.TokenLength } || !token.All(char.IsAsciiHexDigit))
        {
            token = null;
        }

        return new PluginLaunch(version, network, socket, port, string.IsNullOrEmpty(pem) ? null : pem, token);
    }

    /// <summary>A free loopback port within go-plugin's <c>PLUGIN_MIN_PORT</c>..<c>PLUGIN_MAX_PORT</c>, or -1.</summary>
    private static int FreePort()
    {
        var min = int.TryParse(Environment.GetEnvironmentVariable(ProtocolEnvironment.MinPort), NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : ProtocolEnvironment.DefaultMinPort;
        var max = int.TryParse(Environment.GetEnvironmentVariable(ProtocolEnvironment.MaxPort), NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b : ProtocolEnvironment.DefaultMaxPort;
        if (min < 1 || max > 65535 || max < min)
        {
            return -1;
        }

        // From a random point in the range, so plugins started together do not race for the same port.
        var count = max - min + 1;
        var start = Random.Shared.Next(count);
        for (var i = 0; i < Math.Min(count, 200); i++)
        {
            var port = min + ((start + i) % count);
            try
            {
                using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Taken; try the next.
            }
        }

        return -1;
    }
}
