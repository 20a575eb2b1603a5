namespace Hotplug.Process;

/// <summary>How the host starts and talks to one go-plugin process.</summary>
public sealed class ProcessPluginOptions
{
    /// <summary>Gets or sets the name of the environment variable go-plugin's magic cookie is passed in.</summary>
    /// <remarks>A plugin started without the right cookie refuses to run: it is not meant to be executed by hand.</remarks>
    public required string MagicCookieKey { get; set; }

    /// <summary>Gets or sets the magic cookie's value.</summary>
    public required string MagicCookieValue { get; set; }

    /// <summary>Gets the application protocol versions the host speaks, most preferred last, as go-plugin sends them.</summary>
    /// <value>Defaults to <c>[1]</c>.</value>
    public IList<int> ProtocolVersions { get; } = [1];

    /// <summary>Gets extra environment variables for the plugin process.</summary>
    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets how long the plugin may take to print its handshake.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long the plugin may take to exit after it was asked to shut down, before it is killed.</summary>
    /// <value>Defaults to 2 seconds, as go-plugin's own client waits.</value>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Gets or sets whether the host and plugin authenticate each other with one-off certificates (go-plugin's
    /// AutoMTLS): the host passes its certificate in <c>PLUGIN_CLIENT_CERT</c>, the plugin answers with its own
    /// in the handshake, and each trusts only the other's.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool AutoMtls { get; set; } = true;

    /// <summary>Gets or sets the host services offered to the plugin over go-plugin's broker (the host's exported services).</summary>
    internal IServiceProvider? HostServices { get; set; }

    /// <summary>Gets or sets the interfaces of <see cref="HostServices"/> to offer.</summary>
    internal IReadOnlyCollection<Type> HostServiceTypes { get; set; } = [];

    /// <summary>Gets or sets how host and plugin connect; the plugin is told through <c>HOTPLUG_TRANSPORT</c>.</summary>
    /// <value>Defaults to <see cref="PluginTransport.Unix"/>. Go plugins choose for themselves (a Unix socket, TCP on Windows); the host follows what their handshake names.</value>
    public PluginTransport Transport { get; set; } = PluginTransport.Unix;

    /// <summary>Gets or sets the lowest TCP port a plugin may listen on, where it uses TCP.</summary>
    /// <value>Defaults to 10000, as go-plugin.</value>
    public int MinPort { get; set; } = 10000;

    /// <summary>Gets or sets the highest TCP port a plugin may listen on.</summary>
    /// <value>Defaults to 25000, as go-plugin.</value>
    public int MaxPort { get; set; } = 25000;
}
