using System.Diagnostics.CodeAnalysis;
using Hotplug.Bus.Protocol;
using Hotplug.Contracts;
using Hotplug.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NetMQ;
using NetMQ.Sockets;

namespace Hotplug.Bus;

/// <summary>
/// A host's end of the bus: members anywhere on the network join it and serve contracts; the host calls them
/// (request/reply through <c>Get&lt;T&gt;</c>), asks all of them (<see cref="SurveyAsync{TContract, TResult}(string, Func{TContract, Task{TResult}}, TimeSpan, CancellationToken)"/>),
/// hands them work (<see cref="PushAsync{TContract}(string, Func{TContract, Task}, CancellationToken)"/>), publishes and
/// subscribes, and talks on bus and pair channels. One per host, started by the bus runtime; resolve it from the host's
/// services. See <c>docs/bus-plugins.md</c>.
/// </summary>
[RequiresDynamicCode("Bus contracts and messages are encoded by reflection.")]
[RequiresUnreferencedCode("Bus contracts and messages are read by reflection.")]
public sealed partial class BusHub : IAsyncDisposable, IDisposable
{
    private readonly object _gate = new();
    private readonly BusHubOptions _options;
    private readonly ILogger _logger;
    private readonly RouterSocket _socket = new();
    private readonly SocketLoop _loop;
    private readonly Dictionary<string, HubMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, PendingCall> _pending = [];
    private readonly Dictionary<ulong, SurveyState> _surveys = [];
    private readonly Dictionary<ulong, HealthAsk> _health = [];
    private readonly Queue<PendingCall> _waiting = new();
    private readonly Dictionary<string, HubService> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Service, HubService Owner)> _tickets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HubMember> _pairHolders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IPairEnd> _pairs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource<HubMember>> _pairWaiters = new(StringComparer.Ordinal);
    private readonly SubscriptionSet _subscriptions;
    private readonly SubscriptionSet _channels;
    private readonly TopicSequences _sequences = new();
    private readonly BusKeys? _hubKeys;
    private readonly HashSet<string>? _trustedAtStart;
    private long _nextId;
    private long _lateAnswers;
    private long _droppedPublished;
    private int _disposed;

    /// <summary>Starts a hub: binds its endpoints and admits members.</summary>
    /// <param name="options">Where it listens and whom it admits.</param>
    /// <param name="hubKeys">The hub's keys, required with <see cref="BusHubOptions.TrustedMembersPath"/>.</param>
    /// <param name="loggerFactory">The logger factory.</param>
    public BusHub(BusHubOptions options, BusKeys? hubKeys = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = loggerFactory?.CreateLogger("Hotplug.Bus") ?? NullLogger.Instance;
        if (options.TrustedMembersPath is not null)
        {
            _hubKeys = hubKeys ?? throw new ArgumentException("A hub that authenticates its members needs its own keys.", nameof(hubKeys));
            _trustedAtStart = TrustedKeys();
            _socket.Options.CurveServer = true;
            _socket.Options.CurveCertificate = _hubKeys.Certificate;
        }
        else if (!options.AllowUnauthenticated)
        {
            throw new ArgumentException("The bus admits only members it can authenticate: set TrustedMembersPath (a folder of member public keys), or AllowUnauthenticated for a bus no one else can reach.", nameof(options));
        }

        _subscriptions = new SubscriptionSet(exact: false, _logger, _ => { }, _ => { });
        _channels = new SubscriptionSet(exact: true, _logger, _ => { }, _ => { });
        _socket.Options.RouterMandatory = true;
        _socket.Options.SendHighWatermark = options.SendHighWaterMark;
        _socket.Options.MaxMsgSize = options.MaxMessageBytes + 65536;
        _socket.Options.Linger = TimeSpan.Zero;
        var bound = new List<string>();
        foreach (var endpoint in options.Endpoints.Count == 0 ? ["tcp://127.0.0.1:0"] : options.Endpoints)
        {
            bound.Add(Bind(endpoint));
        }

        Endpoints = bound;
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(options.HeartbeatInterval.TotalMilliseconds / 4, 5, 250));
        _loop = new SocketLoop(_socket, Receive, Unsent, tick, Tick);
        _loop.Start("bus hub");
        HubLog.Listening(_logger, string.Join(", ", Endpoints), _hubKeys?.PublicKey ?? "none: unencrypted, any member admitted");
    }

    /// <summary>Gets the addresses members join, with the ports the hub got (<c>tcp://127.0.0.1:41234</c>).</summary>
    public IReadOnlyList<string> Endpoints { get; }

    /// <summary>Gets the hub's public key (Z85) that members need, or <see langword="null"/> on an unencrypted bus.</summary>
    public string? PublicKey => _hubKeys?.PublicKey;

    /// <summary>Gets the members the hub knows, online or not.</summary>
    public IReadOnlyList<BusMemberInfo> Members
    {
        get
        {
            lock (_gate)
            {
                return [.. _members.Values.Where(m => m.Welcomed).Select(m => m.Describe())];
            }
        }
    }

    /// <summary>Gets how many survey answers arrived after their survey ended, and were dropped.</summary>
    public long LateAnswers => Interlocked.Read(ref _lateAnswers);

    /// <summary>Gets how many published messages the hub dropped for members that did not keep up.</summary>
    public long DroppedPublished => Interlocked.Read(ref _droppedPublished);

    /// <summary>Gets a contract served by the members of <paramref name="service"/>: each call goes to one of them (request/reply).</summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="service">The service (bus plugin id).</param>
    /// <returns>The contract; its calls throw <see cref="BusCallException"/> for what failed on the bus.</returns>
    public TContract Get<TContract>(string service)
        where TContract : class =>
        (TContract)ContractProxy.Create(ContractDescriptor.For(typeof(TContract)), Invoker(service, ContractSchema.For(typeof(TContract)), null));

    /// <summary>Publishes a message on a topic, to every member and host subscription whose prefix matches.</summary>
    /// <typeparam name="T">The message type, a record.</typeparam>
    /// <param name="topic">The topic.</param>
    /// <param name="message">The message.</param>
    /// <exception cref="BusMessageTooLargeException">The message is over <see cref="BusHubOptions.MaxMessageBytes"/>.</exception>
    public void Publish<T>(string topic, T message)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var payload = Encode(message);
        Route(FrameKind.Publish, topic, "host", _sequences.Next(topic), payload, from: null);
    }

    /// <summary>Subscribes the host to topics that start with <paramref name="prefix"/>, published by members or the host.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="prefix">The topic prefix.</param>
    /// <param name="handler">Handles each message, one at a time.</param>
    /// <returns>The subscription; dispose it to stop.</returns>
    public BusSubscription Subscribe<T>(string prefix, Func<BusMessage<T>, CancellationToken, ValueTask> handler) =>
        _subscriptions.Add(prefix, _options.SubscriberHighWaterMark, handler);

    /// <summary>Joins the host to a bus channel: every member's message on it reaches the handler.</summary>
    /// <typeparam name="T">The channel's message type.</typeparam>
    /// <param name="channel">The channel's name.</param>
    /// <param name="handler">Handles each message, one at a time.</param>
    /// <returns>The membership; dispose it to leave.</returns>
    public BusSubscription JoinChannel<T>(string channel, Func<BusMessage<T>, CancellationToken, ValueTask> handler) =>
        _channels.Add(channel, _options.SubscriberHighWaterMark, handler);

    /// <summary>Sends a message on a bus channel, to every member joined to it.</summary>
    /// <typeparam name="T">The channel's message type.</typeparam>
    /// <param name="channel">The channel's name.</param>
    /// <param name="message">The message.</param>
    public void SendOnChannel<T>(string channel, T message)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        Route(FrameKind.BusMessage, channel, "host", 0, Encode(message), from: null);
    }

    /// <summary>Waits for a member to open the pair named <paramref name="name"/>, and returns the host's end of it.</summary>
    /// <typeparam name="T">The message type both ends send.</typeparam>
    /// <param name="name">The pair's name.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The pair; a second member that opens the name while it is held is refused.</returns>
    public async Task<BusPair<T>> AcceptPairAsync<T>(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var waiter = new TaskCompletionSource<HubMember>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (!_pairWaiters.TryAdd(name, waiter))
            {
                throw new InvalidOperationException($"The host already waits for pair '{name}'.");
            }
        }

        HubMember member;
        try
        {
            member = await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _pairWaiters.Remove(name);
            }
        }

        var pair = new BusPair<T>(
            name,
            member.Name,
            payload => Send(member, new BusHeader(FrameKind.PairMessage, 0), BusFrames.Text(name), payload),
            () => ClosePair(name, notify: true));
        lock (_gate)
        {
            _pairs[name] = pair;
        }

        Send(member, new BusHeader(FrameKind.PairOpened, 0), BusFrames.Text(name));
        return pair;
    }

    /// <summary>Stops the hub: every waiting call fails, members are told goodbye, the socket closes.</summary>
    /// <returns>A task that completes when the hub stopped.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops the hub: every waiting call fails, members are told goodbye, the socket closes.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        PendingCall[] pending;
        lock (_gate)
        {
            pending = [.. _pending.Values, .. _waiting];
            _pending.Clear();
            _waiting.Clear();
        }

        foreach (var call in pending)
        {
            call.Fail(new BusCallException("The host's bus stopped."));
        }

        _loop.Dispose();
    }

    internal ILogger Logger => _logger;

    internal BusHubOptions Options => _options;

    private string Bind(string endpoint)
    {
        if (endpoint.StartsWith("tcp://", StringComparison.Ordinal) && endpoint.EndsWith(":0", StringComparison.Ordinal))
        {
            var port = _socket.BindRandomPort(endpoint[..^2]);
            return $"{endpoint[..^2].Replace("*", "127.0.0.1", StringComparison.Ordinal)}:{port}";
        }

        _socket.Bind(endpoint);
        return endpoint.Replace("tcp://*", "tcp://127.0.0.1", StringComparison.Ordinal);
    }

    private byte[] Encode<T>(T message)
    {
        var payload = ContractSchema.MessageCodec(typeof(T)).Encode([message]);
        return payload.Length > _options.MaxMessageBytes ? throw new BusMessageTooLargeException(payload.Length, _options.MaxMessageBytes) : payload;
    }

    private ulong NextId() => (ulong)Interlocked.Increment(ref _nextId);

    private void Send(HubMember member, BusHeader header, params ReadOnlySpan<byte[]> frames) => Send(member, header, droppable: false, frames);

    private void Send(HubMember member, BusHeader header, bool droppable, params ReadOnlySpan<byte[]> frames)
    {
        var message = BusFrames.Message(header, frames);
        message.Push(member.Identity);
        _loop.Send(message, droppable, member);
    }

    /// <summary>A message the socket could not send: a published one is counted as dropped; a call's goes to another member.</summary>
    private void Unsent(Outgoing outgoing)
    {
        if (outgoing.State is not HubMember member)
        {
            return;
        }

        if (outgoing.Droppable)
        {
            Interlocked.Increment(ref member.Dropped);
            Interlocked.Increment(ref _droppedPublished);
            return;
        }

        if (outgoing.Message.FrameCount > 1 && BusHeader.TryRead(outgoing.Message[1].Buffer.AsSpan(0, outgoing.Message[1].MessageSize), out var header) &&
            header.Kind is FrameKind.Request or FrameKind.Push or FrameKind.Survey)
        {
            lock (_gate)
            {
                MemberLost(member, "its queue is full or it is gone");
            }
        }
    }
}
