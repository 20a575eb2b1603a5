using System.Globalization;

namespace Hotplug.Process.Protocol;

/// <summary>
/// The line a go-plugin plugin prints on standard output once it serves:
/// <c>CORE-PROTOCOL|APP-PROTOCOL|NETWORK|ADDRESS|PROTOCOL[|SERVER-CERT]</c>, such as
/// <c>1|1|unix|/tmp/plugin123|grpc|</c>. The plugin SDK writes it (<see cref="ToString"/>), the host reads it
/// (<see cref="TryParse"/>); go-plugin's own is in <c>server.go</c> (<c>Serve</c>) and <c>client.go</c> (<c>Client.Start</c>).
/// </summary>
/// <param name="CoreProtocol">go-plugin's own protocol version; always 1.</param>
/// <param name="AppProtocol">The application protocol version the plugin chose from <c>PLUGIN_PROTOCOL_VERSIONS</c>.</param>
/// <param name="Network"><c>unix</c> or <c>tcp</c>; <c>stdio</c> when the host asked for the stdio transport (a Hotplug extension).</param>
/// <param name="Address">The socket path, or <c>host:port</c>; <c>-</c> on the stdio transport.</param>
/// <param name="Protocol">The wire protocol; Hotplug speaks <c>grpc</c>.</param>
/// <param name="ServerCertificate">The plugin's server certificate (base64 DER, unpadded) when AutoMTLS is on, else empty.</param>
internal sealed record Handshake(int CoreProtocol, int AppProtocol, string Network, string Address, string Protocol, string ServerCertificate)
{
    /// <summary>go-plugin's core protocol version, the only one there is.</summary>
    public const int SupportedCoreProtocol = 1;

    /// <summary>The wire protocol Hotplug speaks: gRPC.</summary>
    public const string Grpc = "grpc";

    /// <summary>What a plugin older than go-plugin's gRPC support speaks, which it says by printing no protocol.</summary>
    public const string NetRpc = "netrpc";

    /// <summary>The address of the stdio transport, which has none.</summary>
    public const string StdioAddress = "-";

    /// <summary>Parses a handshake line, or says why it is not one.</summary>
    public static bool TryParse(string line, out Handshake? handshake, out string? problem)
    {
        handshake = null;
        var parts = line.Trim().Split('|');
        if (parts.Length < 4)
        {
            problem = "it is not a go-plugin handshake line (CORE|APP|NETWORK|ADDRESS|PROTOCOL)";
            return false;
        }

        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var core))
        {
            problem = $"its core protocol version '{parts[0]}' is not a number";
            return false;
        }

        if (core != SupportedCoreProtocol)
        {
            problem = $"it speaks go-plugin core protocol {core}; this host speaks {SupportedCoreProtocol}";
            return false;
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var app))
        {
            problem = $"its application protocol version '{parts[1]}' is not a number";
            return false;
        }

        var network = parts[2];
        if (!Networks.IsKnown(network))
        {
            problem = $"its network '{network}' is none of 'unix', 'tcp' or 'stdio'";
            return false;
        }

        if (parts[3].Length == 0)
        {
            problem = "its address is empty";
            return false;
        }

        // Plugins older than go-plugin's gRPC support print no protocol, which means net/rpc.
        var protocol = parts.Length > 4 && parts[4].Length > 0 ? parts[4] : NetRpc;
        handshake = new Handshake(core, app, network, parts[3], protocol, parts.Length > 5 ? parts[5] : string.Empty);
        problem = null;
        return true;
    }

    /// <summary>The handshake line, without its line break: <c>1|1|unix|/tmp/plugin123|grpc|MIIB...</c>.</summary>
    public override string ToString() => string.Join(
        '|',
        CoreProtocol.ToString(CultureInfo.InvariantCulture),
        AppProtocol.ToString(CultureInfo.InvariantCulture),
        Network,
        Address,
        Protocol,
        ServerCertificate);

    /// <summary>The networks a handshake names.</summary>
    public static class Networks
    {
        /// <summary>A Unix socket; the address is its path.</summary>
        public const string Unix = "unix";

        /// <summary>TCP on loopback; the address is <c>host:port</c>.</summary>
        public const string Tcp = "tcp";

        /// <summary>Hotplug's extension: one connection over the plugin's standard input and output.</summary>
        public const string Stdio = "stdio";

        /// <summary>Whether <paramref name="network"/> is one of these.</summary>
        public static bool IsKnown(string network) => network is Unix or Tcp or Stdio;
    }
}
