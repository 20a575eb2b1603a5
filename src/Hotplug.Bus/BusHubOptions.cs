namespace Hotplug.Bus;

/// <summary>How a host's bus hub listens and whom it admits. Set through <c>AddBusRuntime(o =&gt; …)</c>.</summary>
public sealed class BusHubOptions
{
    /// <summary>
    /// Gets the addresses the hub binds: <c>tcp://*:5557</c>, <c>tcp://127.0.0.1:0</c> (a free port),
    /// <c>ipc://name</c> or <c>inproc://name</c>. <value>Defaults to <c>tcp://127.0.0.1:0</c>: this machine only.</value>
    /// </summary>
    public IList<string> Endpoints { get; } = [];

    /// <summary>
    /// Gets or sets the folder of member public keys the hub trusts: one <c>.pub</c> file per member, each one line of
    /// Z85, as <see cref="BusKeys.Save"/> writes them (<c>hotplug bus-keygen</c>). With it the bus is encrypted (CURVE) and a member must prove it
    /// holds the secret key of a trusted public key, or it is refused. Read again whenever a member joins.
    /// </summary>
    public string? TrustedMembersPath { get; set; }

    /// <summary>
    /// Gets or sets the hub's secret key file. <value>Defaults to <c>&lt;state&gt;/bus/hub.key</c>, made on first use,
    /// with its public key beside it in <c>hub.pub</c> for members.</value>
    /// </summary>
    public string? HubKeyPath { get; set; }

    /// <summary>
    /// Gets or sets whether the hub admits members without keys over an unencrypted bus. Only for a bus no one else can
    /// reach (<c>inproc://</c>, loopback in development); without it, and without <see cref="TrustedMembersPath"/>, the
    /// runtime refuses to start.
    /// </summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>Gets or sets how often hub and members send heartbeats. <value>Defaults to 1 second.</value></summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long a member may stay silent before it is shown offline and its calls go to another member. <value>Defaults to 3 seconds.</value></summary>
    public TimeSpan MemberTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Gets or sets how long a request may go unanswered before it is sent again to another member serving the contract
    /// (a request whose member goes offline is sent again at once). Handlers must therefore be idempotent.
    /// <value>Defaults to 10 seconds.</value>
    /// </summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long a call waits for a member serving its contract to be online before it fails. <value>Defaults to 5 seconds.</value></summary>
    public TimeSpan NoMemberWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the largest message the bus carries, in bytes. <value>Defaults to 1 MiB.</value></summary>
    public int MaxMessageBytes { get; set; } = 1 << 20;

    /// <summary>Gets or sets how many messages the hub queues for one member before it drops published messages to it (counted). <value>Defaults to 1,000.</value></summary>
    public int SendHighWaterMark { get; set; } = 1000;

    /// <summary>Gets or sets how many messages a host-side subscription holds for a slow handler before it drops (and counts) the newest. <value>Defaults to 1,000.</value></summary>
    public int SubscriberHighWaterMark { get; set; } = 1000;

    internal void Validate()
    {
        if (HeartbeatInterval <= TimeSpan.Zero || MemberTimeout <= HeartbeatInterval)
        {
            throw new ArgumentException($"The bus's MemberTimeout ({MemberTimeout}) must be longer than its HeartbeatInterval ({HeartbeatInterval}).");
        }

        if (MaxMessageBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessageBytes), MaxMessageBytes, "The bus carries messages of at least 1 KiB.");
        }

        if (RetryAfter <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryAfter), RetryAfter, "RetryAfter must be positive.");
        }
    }
}
