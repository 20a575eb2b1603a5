using System.Globalization;

namespace Hotplug.Process;

/// <summary>
/// The line a go-plugin plugin prints on standard output once it serves:
/// <c>CORE-PROTOCOL|APP-PROTOCOL|NETWORK|ADDRESS|PROTOCOL[|SERVER-CERT]</c>, such as
/// <c>1|1|unix|/tmp/plugin123|grpc|</c>.
/// </summary>
/// <param name="CoreProtocol">go-plugin's own protocol version; always 1.</param>
/// <param name="AppProtocol">The application protocol version the plugin chose from <c>PLUGIN_PROTOCOL_VERSIONS</c>.</param>
/// <param name="Network"><c>unix</c> or <c>tcp</c>; <c>stdio</c> when the host asked for the stdio transport (a Hotplug extension).</param>
/// <param name="Address">The socket path, or <c>host:port</c>.</param>
/// <param name="Protocol">The wire protocol; Hotplug speaks <c>grpc</c>.</param>
/// <param name="ServerCertificate">The plugin's server certificate (base64 DER, unpadded) when AutoMTLS is on, else empty.</param>
internal sealed record Handshake(int CoreProtocol, int AppProtocol, string Network, string Address, string Protocol, string ServerCertificate)
{
    public const int SupportedCoreProtocol = 1;

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
        if (network is not ("unix" or "tcp" or "stdio"))
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
        var protocol = parts.Length > 4 && parts[4].Length > 0 ? parts[4] : "netrpc";
        handshake = new Handshake(core, app, network, parts[3], protocol, parts.Length > 5 ? parts[5] : string.Empty);
        problem = null;
        return true;
    }
}
