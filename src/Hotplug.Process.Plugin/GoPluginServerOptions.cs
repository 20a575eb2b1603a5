using Hotplug.Process.Protocol;

namespace Hotplug.Process.Plugin;

/// <summary>How a .NET plugin presents itself to a go-plugin host.</summary>
/// <remarks>Checked when the server runs, before it reads its environment: every problem is named in one <see cref="ArgumentException"/>.</remarks>
public sealed class GoPluginServerOptions
{
    /// <summary>Gets or sets the environment variable that carries the host's magic cookie.</summary>
    /// <value>Defaults to <c>HOTPLUG_PLUGIN</c>, what a Hotplug host sends plugins whose manifest names no handshake.</value>
    public string MagicCookieKey { get; set; } = ProtocolEnvironment.DefaultMagicCookieKey;

    /// <summary>Gets or sets the value the magic cookie must have; started without it, the plugin refuses to run.</summary>
    /// <value>Defaults to <c>7d1f3c5e-hotplug</c>, a Hotplug host's default.</value>
    public string MagicCookieValue { get; set; } = ProtocolEnvironment.DefaultMagicCookieValue;

    /// <summary>Gets the application protocol versions this plugin speaks; the highest one the host also offers is used.</summary>
    /// <value>Defaults to <c>[1]</c>.</value>
    public IList<int> ProtocolVersions { get; } = [1];

    /// <summary>Gets or sets how often the plugin checks that its host is still alive; it exits when the host is gone.</summary>
    /// <value>Defaults to 1 second.</value>
    public TimeSpan ParentCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets how long a plugin entry type's <see cref="IPlugin.StopAsync"/> may take after the host's <c>Shutdown</c>
    /// (<see cref="GoPluginServer.RunAsync{TPlugin}"/>); its token is cancelled then, and the process exits.
    /// </summary>
    /// <value>Defaults to 2 seconds, as long as a Hotplug host waits for a plugin to exit before it kills it.</value>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Gets or sets whether the plugin takes the fast lane when a Hotplug host offers it: length-prefixed frames on the
    /// Unix socket in place of gRPC over HTTP/2 and TLS (docs/protocol.md §10). A go-plugin host never offers it, nor
    /// does a host on TCP or stdio. Services the plugin maps itself (<c>MapGrpcService&lt;T&gt;()</c>) are served on it too,
    /// each made once and shared by its calls; one that needs <c>GetHttpContext()</c> needs this off.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool FastLane { get; set; } = true;

    /// <summary>Gets or sets the largest message the plugin takes on the fast lane; a larger one fails its call with <c>RESOURCE_EXHAUSTED</c>.</summary>
    /// <value>Defaults to 4 MiB, as gRPC's.</value>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Names what is wrong with the settings; empty when nothing is.</summary>
    internal List<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(MagicCookieKey) || MagicCookieKey.Contains('=', StringComparison.Ordinal) || MagicCookieKey.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add($"{nameof(MagicCookieKey)} must be an environment variable name (not empty, no '='); it is '{MagicCookieKey}'.");
        }

        if (string.IsNullOrEmpty(MagicCookieValue))
        {
            // go-plugin compares the variable with the value: an empty value would let the plugin run when started by hand.
            errors.Add($"{nameof(MagicCookieValue)} must not be empty.");
        }

        if (ProtocolVersions.Count == 0 || ProtocolVersions.Any(v => v < 1))
        {
            errors.Add($"{nameof(ProtocolVersions)} must name at least one version, each 1 or more; it is [{string.Join(", ", ProtocolVersions)}].");
        }

        if (ParentCheckInterval <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(ParentCheckInterval)} must be positive; it is {ParentCheckInterval}.");
        }

        if (MaxReceiveMessageSize < 1)
        {
            errors.Add($"{nameof(MaxReceiveMessageSize)} must be positive; it is {MaxReceiveMessageSize}.");
        }

        if (StopTimeout < TimeSpan.Zero)
        {
            errors.Add($"{nameof(StopTimeout)} must not be negative; it is {StopTimeout}.");
        }

        return errors;
    }
}
