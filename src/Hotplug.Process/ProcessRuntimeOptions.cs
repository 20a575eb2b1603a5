using Hotplug.Process.Protocol;

namespace Hotplug.Process;

/// <summary>
/// Settings of the <c>process</c> runtime. A manifest's <c>entry.handshake</c> overrides the handshake ones per plugin.
/// Validated when the host starts (<c>ValidateOnStart</c>), <see cref="Supervision"/> included: every problem is named in one message.
/// </summary>
public sealed class ProcessRuntimeOptions
{
    /// <summary>The magic cookie key Hotplug's own plugins use.</summary>
    public const string DefaultMagicCookieKey = ProtocolEnvironment.DefaultMagicCookieKey;

    /// <summary>The magic cookie value Hotplug's own plugins use.</summary>
    public const string DefaultMagicCookieValue = ProtocolEnvironment.DefaultMagicCookieValue;

    /// <summary>Gets or sets the magic cookie key passed to plugins whose manifest names none.</summary>
    /// <value>Defaults to <see cref="DefaultMagicCookieKey"/>.</value>
    public string MagicCookieKey { get; set; } = DefaultMagicCookieKey;

    /// <summary>Gets or sets the magic cookie value passed to plugins whose manifest names none.</summary>
    /// <value>Defaults to <see cref="DefaultMagicCookieValue"/>.</value>
    public string MagicCookieValue { get; set; } = DefaultMagicCookieValue;

    /// <summary>Gets or sets how long a plugin may take to print its handshake.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long a plugin may take to exit when asked, before it is killed.</summary>
    /// <value>Defaults to 2 seconds.</value>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets whether host and plugins use go-plugin's AutoMTLS.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool AutoMtls { get; set; } = true;

    /// <summary>
    /// Gets or sets whether the host offers .NET plugins the fast lane on a Unix socket: length-prefixed frames in place
    /// of gRPC over HTTP/2 and TLS, taken by plugins written with Hotplug.Process.Plugin (docs/protocol.md §10). Go
    /// plugins, and plugins on TCP or stdio, keep gRPC.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    /// <remarks>
    /// The fast lane's socket is protected by its folder, which only the host's user may enter, and by a one-off
    /// token the host passes the plugin; with TLS, as gRPC is, only the two processes' certificates are trusted. Turn it
    /// off to keep other processes of the host's own user from ever reaching a plugin.
    /// </remarks>
    public bool FastLane { get; set; } = true;

    /// <summary>
    /// Gets the ids of the plugins that may answer the host's certificate with none and be connected in plaintext.
    /// Any other plugin that does is refused with <c>HP1200</c>.
    /// </summary>
    /// <value>Empty by default.</value>
    /// <remarks>
    /// For plugins built without AutoMTLS (go-plugin before 1.0, or written by hand from the protocol). Over a Unix
    /// socket, other processes of the host's user could then reach the plugin; over TCP, every local process could,
    /// and the host services offered to it listen on loopback without authentication. Has no effect when
    /// <see cref="AutoMtls"/> is off (then every plugin is connected in plaintext).
    /// </remarks>
    public ISet<string> AllowPlaintext { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets the names of the host's environment variables every plugin process may see, besides the few every plugin
    /// gets; a manifest's <c>entry.environment</c> adds names for its plugin.
    /// </summary>
    /// <value>Empty by default: plugins see only <c>PATH</c>, <c>HOME</c>, <c>USER</c>, <c>LOGNAME</c>, the locale, <c>TZ</c>, <c>SSL_CERT_*</c> and <c>DOTNET_*</c> of the host's environment.</value>
    /// <remarks>An exact name, or a prefix followed by <c>*</c> (<c>MYAPP_*</c>); <c>*</c> alone passes the whole environment, as before this setting existed.</remarks>
    public ISet<string> InheritedEnvironment { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets the largest gRPC message the host accepts from a plugin process, in bytes: its answers, its console
    /// chunks, and its calls to the host's services. A larger one fails that call with <c>ResourceExhausted</c>.
    /// </summary>
    /// <value>Defaults to 4 MiB, gRPC's own default.</value>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Gets or sets how long a process a pool added beyond <c>pool.min</c> may go without a call before it is stopped.</summary>
    /// <value>Defaults to 60 seconds.</value>
    public TimeSpan PoolIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets how crashed plugin processes are restarted and when they are quarantined.</summary>
    public SupervisionOptions Supervision { get; } = new();

    /// <summary>Names what is wrong with the settings, <see cref="Supervision"/>'s included; empty when nothing is.</summary>
    internal List<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(MagicCookieKey) || MagicCookieKey.Contains('=', StringComparison.Ordinal) || MagicCookieKey.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add($"{nameof(MagicCookieKey)} must be an environment variable name (not empty, no '='); it is '{MagicCookieKey}'.");
        }

        if (string.IsNullOrEmpty(MagicCookieValue))
        {
            // go-plugin compares the variable with the value: an empty value would let a plugin started by hand run.
            errors.Add($"{nameof(MagicCookieValue)} must not be empty.");
        }

        if (HandshakeTimeout <= TimeSpan.Zero && HandshakeTimeout != Timeout.InfiniteTimeSpan)
        {
            errors.Add($"{nameof(HandshakeTimeout)} must be positive; it is {HandshakeTimeout}.");
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            errors.Add($"{nameof(ShutdownTimeout)} must not be negative; it is {ShutdownTimeout}.");
        }

        if (MaxReceiveMessageSize < 1)
        {
            errors.Add($"{nameof(MaxReceiveMessageSize)} must be positive; it is {MaxReceiveMessageSize}.");
        }

        if (PoolIdleTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(PoolIdleTimeout)} must be positive; it is {PoolIdleTimeout}.");
        }

        if (InheritedEnvironment.Any(name => string.IsNullOrEmpty(name) || name.Contains('=', StringComparison.Ordinal)))
        {
            errors.Add($"{nameof(InheritedEnvironment)} must hold environment variable names or prefixes followed by '*' (not empty, no '=').");
        }

        Supervision.Validate(errors);
        return errors;
    }
}
