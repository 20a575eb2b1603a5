using System.Diagnostics;
using System.Globalization;
using Hotplug.Process.Protocol;
using Hotplug.Process.Protocol.Frames;

namespace Hotplug.Process;

/// <summary>
/// How a plugin process is started: its executable, arguments and working folder, and its environment — what it may
/// see of the host's, and go-plugin's and Hotplug's variables (<see cref="ProtocolEnvironment"/>).
/// </summary>
internal static class PluginStartInfo
{
    /// <summary>The start info, and the fast lane's token when the host offers the fast lane.</summary>
    public static (ProcessStartInfo Info, string? FastLaneToken) Create(string executable, IEnumerable<string> arguments, ProcessPluginOptions options, string socketFolder)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(executable)),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Only what a program needs of the host's environment, and the names the host or the manifest allow: never its secrets.
        PluginEnvironment.Apply(info.Environment, options.InheritedEnvironment);
        foreach (var (name, value) in options.Environment)
        {
            info.Environment[name] = value;
        }

        info.Environment[options.MagicCookieKey] = options.MagicCookieValue;
        info.Environment[ProtocolEnvironment.ProtocolVersions] = ProtocolEnvironment.FormatVersions(options.ProtocolVersions);
        info.Environment[ProtocolEnvironment.MinPort] = options.MinPort.ToString(CultureInfo.InvariantCulture);
        info.Environment[ProtocolEnvironment.MaxPort] = options.MaxPort.ToString(CultureInfo.InvariantCulture);
        // Newer go-plugin plugins put their socket in PLUGIN_UNIX_SOCKET_DIR, older ones in the temporary folder.
        info.Environment[ProtocolEnvironment.UnixSocketFolder] = socketFolder;
        info.Environment[ProtocolEnvironment.TempFolder] = socketFolder;
        if (options.Transport != PluginTransport.Unix)
        {
            // A Hotplug extension: which transport the plugin must serve on (Go plugins choose their own).
            info.Environment[ProtocolEnvironment.Transport] = options.Transport.ToString().ToLowerInvariant();
        }

        // The fast lane, offered beside gRPC on a Unix socket: a plugin written with Hotplug.Process.Plugin takes it, any
        // other one (every go-plugin plugin) does not know the variable and serves gRPC.
        var fastLaneToken = options.FastLane && options.Transport == PluginTransport.Unix ? FrameProtocol.NewToken() : null;
        if (fastLaneToken is not null)
        {
            info.Environment[ProtocolEnvironment.FastLane] = fastLaneToken;
        }

        return (info, fastLaneToken);
    }
}
