namespace Hotplug.Process;

/// <summary>How the host and a plugin process connect.</summary>
public enum PluginTransport
{
    /// <summary>A Unix domain socket in a folder only the host's user can enter: go-plugin's default, and Hotplug's.</summary>
    Unix,

    /// <summary>TCP on the loopback interface, on a port within <see cref="ProcessPluginOptions.MinPort"/>..<see cref="ProcessPluginOptions.MaxPort"/>: for platforms without Unix sockets.</summary>
    Tcp,

    /// <summary>
    /// The plugin's standard input and output carry the gRPC connection, for environments that forbid sockets.
    /// A Hotplug extension of go-plugin's protocol: plugins built with <c>Hotplug.Process.Plugin</c> speak it.
    /// </summary>
    Stdio,
}
