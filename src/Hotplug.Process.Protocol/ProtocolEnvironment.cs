using System.Globalization;

namespace Hotplug.Process.Protocol;

/// <summary>
/// The environment variables a host sets for each plugin process, and what they mean: go-plugin's own
/// (<c>PLUGIN_*</c> and the magic cookie) and Hotplug's extensions (<c>HOTPLUG_*</c>). The host writes them
/// (<c>PluginProcess</c>, <c>ProcessRuntime</c>) and the plugin SDK reads them (<c>GoPluginServer</c>); both use these
/// names, and docs/protocol.md §1 describes them for plugins in other languages.
/// </summary>
/// <remarks>
/// go-plugin's variables: see <c>github.com/hashicorp/go-plugin</c>, <c>client.go</c> (<c>Client.Start</c>) and
/// <c>server.go</c> (<c>Serve</c>).
/// </remarks>
internal static class ProtocolEnvironment
{
    /// <summary>The prefix of go-plugin's variables. The host never passes its own on: it sets them for each plugin.</summary>
    public const string GoPluginPrefix = "PLUGIN_";

    /// <summary>The prefix of Hotplug's variables. The host never passes its own on: it sets them for each plugin.</summary>
    public const string HotplugPrefix = "HOTPLUG_";

    /// <summary>
    /// The magic cookie a Hotplug host sends plugins whose manifest names none (<c>entry.handshake</c>), and
    /// <see cref="DefaultMagicCookieValue"/> its value. A plugin started without the cookie its host and it agree on
    /// must refuse to run: it was not started by a host.
    /// </summary>
    public const string DefaultMagicCookieKey = HotplugPrefix + "PLUGIN";

    /// <summary>The value of <see cref="DefaultMagicCookieKey"/>.</summary>
    public const string DefaultMagicCookieValue = "7d1f3c5e-hotplug";

    /// <summary>The application protocol versions the host speaks, comma-separated (<c>1</c>, <c>1,2</c>); the plugin picks the highest it speaks too.</summary>
    public const string ProtocolVersions = GoPluginPrefix + "PROTOCOL_VERSIONS";

    /// <summary>The lowest TCP port a plugin may listen on, for plugins on TCP.</summary>
    public const string MinPort = GoPluginPrefix + "MIN_PORT";

    /// <summary>The highest TCP port a plugin may listen on.</summary>
    public const string MaxPort = GoPluginPrefix + "MAX_PORT";

    /// <summary>go-plugin's default for <see cref="MinPort"/>: 10000.</summary>
    public const int DefaultMinPort = 10000;

    /// <summary>go-plugin's default for <see cref="MaxPort"/>: 25000.</summary>
    public const int DefaultMaxPort = 25000;

    /// <summary>The folder a plugin puts its Unix socket in (newer go-plugin plugins; older ones use <see cref="TempFolder"/>).</summary>
    public const string UnixSocketFolder = GoPluginPrefix + "UNIX_SOCKET_DIR";

    /// <summary>The temporary folder, where older go-plugin plugins create their socket: the host points it at the same private folder.</summary>
    public const string TempFolder = "TMPDIR";

    /// <summary>With AutoMTLS, the host's one-off certificate (PEM); the plugin requires it of the host and answers with its own in the handshake.</summary>
    public const string ClientCertificate = GoPluginPrefix + "CLIENT_CERT";

    /// <summary>Hotplug only: the plugin's id, as its manifest names it.</summary>
    public const string PluginId = HotplugPrefix + "PLUGIN_ID";

    /// <summary>Hotplug only: the plugin's version, as its manifest names it.</summary>
    public const string PluginVersion = HotplugPrefix + "PLUGIN_VERSION";

    /// <summary>
    /// Hotplug only: the prefix of the manifest's <c>config</c>, one variable per value, nested keys joined with
    /// <c>__</c> as .NET configuration reads environment variables (<see cref="ConfigVariable"/>).
    /// </summary>
    public const string ConfigPrefix = HotplugPrefix + "CONFIG_";

    /// <summary>Hotplug only: the transport the plugin must serve on, <c>tcp</c> or <c>stdio</c>, when it is not a Unix socket (<see cref="Handshake.Networks"/>).</summary>
    public const string Transport = HotplugPrefix + "TRANSPORT";

    /// <summary>
    /// Hotplug only: the host offers the fast lane (<see cref="Frames.FrameProtocol"/>) beside gRPC, on a Unix socket. The
    /// value is the token the host sends first on each connection; a plugin that takes the offer prints
    /// <see cref="Frames.FrameProtocol.Name"/> as its handshake's protocol and accepts only connections that send it.
    /// </summary>
    public const string FastLane = HotplugPrefix + "FAST_LANE";

    /// <summary>Hotplug only: the full gRPC names of the host services offered to the plugin, comma-separated.</summary>
    public const string HostServices = HotplugPrefix + "HOST_SERVICES";

    /// <summary>Hotplug only: the broker id the host announces its services' server under (<see cref="HostServicesBrokerId"/>, in decimal).</summary>
    public const string HostServicesBroker = HotplugPrefix + "HOST_SERVICES_BROKER_ID";

    /// <summary>The broker id under which a Hotplug host announces the server of its services on <c>plugin.GRPCBroker</c>.</summary>
    public const uint HostServicesBrokerId = 0xFFFFFF00;

    /// <summary>Whether <paramref name="name"/> is one of the protocol's variables, which a host sets and never inherits.</summary>
    public static bool IsProtocolVariable(string name, StringComparison comparison) =>
        name.StartsWith(GoPluginPrefix, comparison) || name.StartsWith(HotplugPrefix, comparison);

    /// <summary>The variable that carries the manifest config value at <paramref name="key"/> (<c>limits:max</c> is <c>HOTPLUG_CONFIG_limits__max</c>).</summary>
    public static string ConfigVariable(string key) => ConfigPrefix + key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>The value of <see cref="ProtocolVersions"/> for the versions a host speaks.</summary>
    public static string FormatVersions(IEnumerable<int> versions) =>
        string.Join(',', versions.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The highest version both sides speak; the plugin's own highest when the host sent none (an old host), <see langword="null"/> when they share none.</summary>
    /// <param name="plugin">The versions the plugin speaks.</param>
    /// <param name="host">The value of <see cref="ProtocolVersions"/>.</param>
    public static int? Negotiate(IEnumerable<int> plugin, string? host)
    {
        var ours = plugin.ToHashSet();
        if (string.IsNullOrWhiteSpace(host))
        {
            return ours.Max();
        }

        var common = host.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(ours.Contains)
            .ToList();
        return common.Count == 0 ? null : common.Max();
    }
}
