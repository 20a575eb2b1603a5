using Microsoft.Extensions.Logging;

namespace Hotplug.Bus;

/// <summary>How a <see cref="BusMember"/> joins a host's bus.</summary>
public sealed class BusMemberOptions
{
    /// <summary>The environment variables a host sets for the members it launches from a bus package.</summary>
    public const string EndpointVariable = "HOTPLUG_BUS_ENDPOINT";

    /// <summary>The service the launched member serves.</summary>
    public const string ServiceVariable = "HOTPLUG_BUS_SERVICE";

    /// <summary>The launched member's name.</summary>
    public const string MemberVariable = "HOTPLUG_BUS_MEMBER";

    /// <summary>The version of the package the member was launched from.</summary>
    public const string VersionVariable = "HOTPLUG_BUS_VERSION";

    /// <summary>The one-time ticket that admits a launched member without a key of its own.</summary>
    public const string TicketVariable = "HOTPLUG_BUS_TICKET";

    /// <summary>The process id of the host that launched the member: the member leaves when that process is gone.</summary>
    public const string ParentVariable = "HOTPLUG_BUS_PARENT";

    /// <summary>The hub's public key (Z85), for CURVE.</summary>
    public const string HubKeyVariable = "HOTPLUG_BUS_HUB_KEY";

    /// <summary>Gets or sets the hub's address: <c>tcp://host:port</c>, <c>ipc://name</c> or <c>inproc://name</c>.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Gets or sets the service this member serves: the id of the bus plugin the host routes to it.</summary>
    public string Service { get; set; } = "";

    /// <summary>Gets or sets this member's name, unique on the bus. <value>Defaults to the machine's name and the process id.</value></summary>
    public string Member { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Gets or sets the version this member announces, shown in the host's status. <value>Defaults to <c>1.0.0</c>.</value></summary>
    public string Version { get; set; } = "1.0.0";

    /// <summary>
    /// Gets or sets the hub's public key (Z85): with it the connection is encrypted with CURVE and the member knows it
    /// talks to that hub. Required by a hub that authenticates its members.
    /// </summary>
    public string? HubPublicKey { get; set; }

    /// <summary>Gets or sets this member's keys, whose public key the hub's operator trusts; required with <see cref="HubPublicKey"/> unless launched with a ticket.</summary>
    public BusKeys? Keys { get; set; }

    /// <summary>Gets or sets the ticket of a member its host launched (from <see cref="TicketVariable"/>).</summary>
    public string? Ticket { get; set; }

    /// <summary>Gets or sets the process id of the host that launched this member: it leaves the bus when that process ends. <value>Read from <see cref="ParentVariable"/>.</value></summary>
    public int? ParentProcessId { get; set; }

    /// <summary>Gets or sets how many pipeline work items this member takes at once: the back-pressure its pushers feel. <value>Defaults to 64.</value></summary>
    public int Credit { get; set; } = 64;

    /// <summary>
    /// Gets or sets whether calls, survey questions and work items start on the member's socket thread instead of the
    /// thread pool: a handler that answers without blocking (most do, or await at once) then saves two thread hand-offs
    /// per call. A handler that blocks that thread holds up the member's heartbeats and every other call: leave it off
    /// for handlers that compute for long or wait synchronously.
    /// <value>Defaults to <see langword="false"/>.</value>
    /// </summary>
    public bool RunHandlersInline { get; set; }

    /// <summary>Gets or sets how many messages each subscription holds for a slow handler before it drops (and counts) the newest. <value>Defaults to 1,000.</value></summary>
    public int SubscriberHighWaterMark { get; set; } = 1000;

    /// <summary>Gets or sets how long <see cref="BusMember.JoinAsync"/> waits for the hub's welcome. <value>Defaults to 30 seconds.</value></summary>
    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the logger factory; none by default.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Reads the options a host gives a member it launched, from the environment.</summary>
    /// <returns>The options; <see cref="Endpoint"/> is empty when the process was not launched by a host.</returns>
    public static BusMemberOptions FromEnvironment()
    {
        var options = new BusMemberOptions
        {
            Endpoint = Environment.GetEnvironmentVariable(EndpointVariable) ?? "",
            Service = Environment.GetEnvironmentVariable(ServiceVariable) ?? "",
            Ticket = Environment.GetEnvironmentVariable(TicketVariable),
            HubPublicKey = Environment.GetEnvironmentVariable(HubKeyVariable) is { Length: > 0 } key ? key : null,
        };
        if (Environment.GetEnvironmentVariable(MemberVariable) is { Length: > 0 } member)
        {
            options.Member = member;
        }

        if (int.TryParse(Environment.GetEnvironmentVariable(ParentVariable), System.Globalization.CultureInfo.InvariantCulture, out var parent))
        {
            options.ParentProcessId = parent;
        }

        if (Environment.GetEnvironmentVariable(VersionVariable) is { Length: > 0 } version)
        {
            options.Version = version;
        }

        return options;
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Endpoint))
        {
            throw new ArgumentException("BusMemberOptions.Endpoint is required: the hub's address, such as tcp://host:5557.", nameof(Endpoint));
        }

        if (string.IsNullOrWhiteSpace(Service))
        {
            throw new ArgumentException("BusMemberOptions.Service is required: the id of the bus plugin this member serves.", nameof(Service));
        }

        if (string.IsNullOrWhiteSpace(Member))
        {
            throw new ArgumentException("BusMemberOptions.Member must not be empty.", nameof(Member));
        }

        if (Credit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Credit), Credit, "A member takes at least one work item at a time.");
        }

        if (HubPublicKey is not null && Keys is null && Ticket is null)
        {
            throw new ArgumentException("A member of an encrypted bus needs its own keys (BusMemberOptions.Keys), whose public key the hub trusts.", nameof(Keys));
        }
    }
}
