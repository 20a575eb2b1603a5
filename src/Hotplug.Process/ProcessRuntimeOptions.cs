namespace Hotplug.Process;

/// <summary>Settings of the <c>process</c> runtime. A manifest's <c>entry.handshake</c> overrides the handshake ones per plugin.</summary>
public sealed class ProcessRuntimeOptions
{
    /// <summary>The magic cookie key Hotplug's own plugins use.</summary>
    public const string DefaultMagicCookieKey = "HOTPLUG_PLUGIN";

    /// <summary>The magic cookie value Hotplug's own plugins use.</summary>
    public const string DefaultMagicCookieValue = "7d1f3c5e-hotplug";

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

    /// <summary>Gets or sets how long a process a pool added beyond <c>pool.min</c> may go without a call before it is stopped.</summary>
    /// <value>Defaults to 60 seconds.</value>
    public TimeSpan PoolIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets how crashed plugin processes are restarted and when they are quarantined.</summary>
    public SupervisionOptions Supervision { get; } = new();
}
