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

    /// <summary>
    /// Gets the names of the host's environment variables the plugin process may see, besides the few every plugin
    /// gets (<c>PATH</c>, <c>HOME</c>, <c>USER</c>, <c>LOGNAME</c>, the locale, <c>TZ</c>, <c>SSL_CERT_*</c>, <c>DOTNET_*</c>).
    /// </summary>
    /// <value>Empty by default: nothing else of the host's environment reaches the plugin.</value>
    /// <remarks>
    /// An exact name, or a prefix followed by <c>*</c> (<c>MYAPP_*</c>); <c>*</c> alone passes everything. The host's own
    /// <c>PLUGIN_*</c> and <c>HOTPLUG_*</c> never pass: the host sets those for each plugin. <see cref="Environment"/>
    /// is set on top.
    /// </remarks>
    public ISet<string> InheritedEnvironment { get; } = new HashSet<string>(StringComparer.Ordinal);

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

    /// <summary>
    /// Gets or sets whether the host offers the fast lane on a Unix socket: a plugin written with Hotplug.Process.Plugin
    /// then talks length-prefixed frames instead of gRPC over HTTP/2 and TLS (docs/protocol.md §10); any other plugin
    /// keeps gRPC. The socket's private folder, not TLS, keeps other users off it.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool FastLane { get; set; } = true;

    /// <summary>
    /// Gets or sets whether the plugin may answer the host's certificate with none, and be connected in plaintext, when
    /// <see cref="AutoMtls"/> is on.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="false"/>: such a plugin is refused (<c>HP1200</c>), since anyone who can reach its
    /// socket — on <see cref="PluginTransport.Tcp"/>, any local process — could call it, or the host services it is offered.
    /// </value>
    /// <remarks>The stdio transport has no socket anyone else could reach: a plugin on it may always answer without a certificate.</remarks>
    public bool AllowPlaintext { get; set; }

    /// <summary>
    /// Gets or sets the largest gRPC message the host accepts from the plugin, in bytes: its answers, its console
    /// chunks (<c>plugin.GRPCStdio</c>), and its calls to the host's services. A larger one fails that call with
    /// <c>ResourceExhausted</c>.
    /// </summary>
    /// <value>Defaults to 4 MiB, gRPC's own default.</value>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Gets the warnings said once for every process started with these options (a version's pool and restarts).</summary>
    internal PluginNotices Notices { get; } = new();

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
