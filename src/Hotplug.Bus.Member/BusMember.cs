using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Hotplug.Bus.Protocol;
using Hotplug.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NetMQ;
using NetMQ.Sockets;

namespace Hotplug.Bus;

/// <summary>
/// A .NET process's place on a host's bus: it joins (announcing its service, version and contracts), serves those
/// contracts' calls, surveys and work items, keeps its place with heartbeats (and joins again when the hub comes back),
/// and publishes, subscribes, and talks on bus and pair channels. See <c>docs/bus-plugins.md</c>.
/// </summary>
/// <example>
/// <code>
/// await using var member = await BusMember.JoinAsync(
///     new BusMemberOptions { Endpoint = "tcp://ranking-host:5557", Service = "ranker", Version = "2.1.0" },
///     served => served.Serve&lt;IRanker&gt;(new ScoreRanker()));
/// await member.Completion; // serves until the host stops it or the process ends
/// </code>
/// </example>
[RequiresDynamicCode("Bus contracts and messages are encoded by reflection.")]
[RequiresUnreferencedCode("Bus contracts and messages are read by reflection.")]
public sealed partial class BusMember : IAsyncDisposable
{
    private readonly BusMemberOptions _options;
    private readonly Served _served;
    private readonly IPlugin? _plugin;
    private readonly ILogger _logger;
    private readonly DealerSocket _socket;
    private readonly SocketLoop _loop;
    private readonly TaskCompletionSource<Welcome> _welcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<ulong, CancellationTokenSource> _running = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SubscriptionSet _subscriptions;
    private readonly SubscriptionSet _channels;
    private readonly TopicSequences _sequences = new();
    private readonly ConcurrentDictionary<string, IPairEnd> _pairs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string?>> _pairOpening = new(StringComparer.Ordinal);
    private long _lastHeard = Environment.TickCount64;
    private long _lastHello;
    private long _lastBeat;
    private long _lastParentCheck;
    private int _heartbeatMs = 1000;
    private int _timeoutMs = 3000;
    private int _maxMessageBytes = 1 << 20;
    private volatile bool _online;
    private int _disposed;

    private BusMember(BusMemberOptions options, Served served, IPlugin? plugin)
    {
        _options = options;
        _served = served;
        _plugin = plugin;
        _logger = options.LoggerFactory?.CreateLogger("Hotplug.Bus.Member") ?? NullLogger.Instance;
        _subscriptions = new SubscriptionSet(exact: false, _logger, p => SendControl(FrameKind.Subscribe, p), p => SendControl(FrameKind.Unsubscribe, p));
        _channels = new SubscriptionSet(exact: true, _logger, p => SendControl(FrameKind.BusJoin, p), _ => { });
        _socket = new DealerSocket();
        _socket.Options.Identity = RandomNumberGenerator.GetBytes(8);
        _socket.Options.Linger = TimeSpan.FromSeconds(1);
        if (options.HubPublicKey is { } hubKey)
        {
            _socket.Options.CurveServerKey = BusKeys.FromPublicKey(hubKey).Certificate.PublicKey;
            _socket.Options.CurveCertificate = (options.Keys ?? BusKeys.Create()).Certificate;
        }

        _loop = new SocketLoop(_socket, Receive, _ => { }, TimeSpan.FromMilliseconds(100), Tick);
    }

    /// <summary>Gets this member's name on the bus.</summary>
    public string Name => _options.Member;

    /// <summary>Gets whether the hub currently knows this member: it joined, and has heard from the hub within the timeout.</summary>
    public bool IsOnline => _online;

    /// <summary>Gets what the hub told this member of its plugin: id, version, configuration (once joined).</summary>
    public IPluginContext? Context { get; private set; }

    /// <summary>Gets a task that completes when the member left the bus: disposed, or stopped by its host.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Joins a host's bus and serves the contracts <paramref name="serve"/> registers.</summary>
    /// <param name="options">Where the hub is and who this member is.</param>
    /// <param name="serve">Registers what the member serves.</param>
    /// <param name="cancellationToken">Cancels the join.</param>
    /// <returns>The member, online.</returns>
    /// <exception cref="BusRefusedException">The hub refused the member; the message says why (an unknown key, say).</exception>
    /// <exception cref="TimeoutException">The hub did not answer within <see cref="BusMemberOptions.JoinTimeout"/>.</exception>
    public static async Task<BusMember> JoinAsync(BusMemberOptions options, Action<BusMemberBuilder> serve, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(serve);
        options.Validate();
        var builder = new BusMemberBuilder();
        serve(builder);
        var member = new BusMember(options, builder.Served, builder.Plugin);
        try
        {
            await member.JoinCoreAsync(cancellationToken).ConfigureAwait(false);
            return member;
        }
        catch
        {
            await member.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs a member program: joins, serves until the host says goodbye or the process is asked to stop (SIGTERM,
    /// Ctrl+C), then leaves the bus cleanly. What <c>Main</c> returns: 0, or 1 with the reason on standard error when
    /// the member could not join (refused, no hub, its plugin failed to start).
    /// </summary>
    /// <param name="options">Where the hub is and who this member is (<see cref="BusMemberOptions.FromEnvironment"/> for a launched member).</param>
    /// <param name="serve">Registers what the member serves.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(BusMemberOptions options, Action<BusMemberBuilder> serve)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
        BusMember member;
        try
        {
            member = await JoinAsync(options, serve, stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"bus member {options.Member}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        await Console.Out.WriteLineAsync($"bus member {options.Member} joined {options.Endpoint}, serving {options.Service} {options.Version}").ConfigureAwait(false);
        await using (member.ConfigureAwait(false))
        {
            try
            {
                await member.Completion.WaitAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Asked to stop: leave the bus with a goodbye, below.
            }
        }

        return 0;

        void Stop(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>Publishes a message on a topic: every subscriber whose prefix matches gets it, if it keeps up.</summary>
    /// <typeparam name="T">The message type, a record.</typeparam>
    /// <param name="topic">The topic, such as <c>orders.created</c>.</param>
    /// <param name="message">The message.</param>
    public void Publish<T>(string topic, T message)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var payload = ContractSchema.MessageCodec(typeof(T)).Encode([message]);
        CheckSize(payload.Length);
        _loop.Send(BusFrames.Message(new BusHeader(FrameKind.Publish, _sequences.Next(topic)), BusFrames.Text(topic), payload), droppable: true);
    }

    /// <summary>Subscribes to the topics that start with <paramref name="prefix"/> (all of them for an empty prefix).</summary>
    /// <typeparam name="T">The message type published on those topics.</typeparam>
    /// <param name="prefix">The topic prefix.</param>
    /// <param name="handler">Handles each message, one at a time.</param>
    /// <returns>The subscription; dispose it to stop.</returns>
    public BusSubscription Subscribe<T>(string prefix, Func<BusMessage<T>, CancellationToken, ValueTask> handler) =>
        _subscriptions.Add(prefix, _options.SubscriberHighWaterMark, handler);

    /// <summary>Joins a bus channel: every message another member (or the host) sends on it reaches this handler; this member's own never do.</summary>
    /// <typeparam name="T">The message type of the channel.</typeparam>
    /// <param name="channel">The channel's name.</param>
    /// <param name="handler">Handles each message, one at a time.</param>
    /// <returns>The membership; dispose it to stop receiving.</returns>
    public BusSubscription JoinChannel<T>(string channel, Func<BusMessage<T>, CancellationToken, ValueTask> handler) =>
        _channels.Add(channel, _options.SubscriberHighWaterMark, handler);

    /// <summary>Sends a message on a bus channel, to every other member joined to it and to the host's handlers.</summary>
    /// <typeparam name="T">The message type of the channel.</typeparam>
    /// <param name="channel">The channel's name.</param>
    /// <param name="message">The message.</param>
    public void SendOnChannel<T>(string channel, T message)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var payload = ContractSchema.MessageCodec(typeof(T)).Encode([message]);
        CheckSize(payload.Length);
        _loop.Send(BusFrames.Message(new BusHeader(FrameKind.BusMessage, 0), BusFrames.Text(channel), payload));
    }

    /// <summary>Opens the pair named <paramref name="name"/> with the host.</summary>
    /// <typeparam name="T">The message type both ends send.</typeparam>
    /// <param name="name">The pair's name.</param>
    /// <param name="cancellationToken">Cancels the wait for the hub's answer.</param>
    /// <returns>The pair.</returns>
    /// <exception cref="BusPairRefusedException">Another member holds the pair.</exception>
    public async Task<BusPair<T>> OpenPairAsync<T>(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var answer = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pairOpening.TryAdd(name, answer))
        {
            throw new InvalidOperationException($"Pair '{name}' is already being opened.");
        }

        try
        {
            SendControl(FrameKind.PairOpen, name);
            var refusal = await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (refusal is not null)
            {
                throw new BusPairRefusedException(name, refusal);
            }

            var pair = new BusPair<T>(
                name,
                "host",
                payload => _loop.Send(BusFrames.Message(new BusHeader(FrameKind.PairMessage, 0), BusFrames.Text(name), payload)),
                () =>
                {
                    _pairs.TryRemove(name, out _);
                    SendControl(FrameKind.PairClose, name);
                });
            _pairs[name] = pair;
            return pair;
        }
        finally
        {
            _pairOpening.TryRemove(name, out _);
        }
    }

    /// <summary>Leaves the bus: says goodbye, stops the plugin it hosts, and closes the connection.</summary>
    /// <returns>A task that completes when the member left.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _completion.Task.ConfigureAwait(false);
            return;
        }

        if (_online)
        {
            _loop.Send(BusFrames.Message(new BusHeader(FrameKind.Bye, 0)));
        }

        _online = false;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_plugin is not null && Context is not null)
        {
            try
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _plugin.StopAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                BusLog.HandlerFailed(_logger, "stop", ex);
            }
        }

        // The goodbye leaves before the socket closes: linger lets it go.
        await Task.Delay(50).ConfigureAwait(false);
        _loop.Dispose();
        foreach (var pair in _pairs.Values)
        {
            pair.Close();
        }

        _welcome.TrySetCanceled();
        _completion.TrySetResult();
    }

    private async Task JoinCoreAsync(CancellationToken cancellationToken)
    {
        _socket.Connect(_options.Endpoint);
        _loop.Start($"bus member {_options.Member}");
        SendHello();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.JoinTimeout);
        Welcome welcome;
        try
        {
            welcome = await _welcome.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The hub at {_options.Endpoint} did not welcome member '{_options.Member}' within {_options.JoinTimeout.TotalSeconds:0.#} s: is the host running, and is this the right address{(_options.HubPublicKey is null ? " (a hub that encrypts needs BusMemberOptions.HubPublicKey)" : " and hub key")}?");
        }

        var context = new BusPluginContext(welcome.PluginId, _options.Version, welcome.Config, _options.LoggerFactory, _stopping.Token);
        Context = context;
        if (_plugin is not null)
        {
            try
            {
                await _plugin.StartAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _loop.Send(BusFrames.Message(new BusHeader(FrameKind.Started, 0, 1), BusFrames.Text(ex.Message)));
                throw;
            }
        }

        _loop.Send(BusFrames.Message(new BusHeader(FrameKind.Started, 0, 0)));
        _online = true;
        BusLog.Joined(_logger, _options.Member, _options.Endpoint, _options.Service);
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private void SendHello()
    {
        _lastHello = Environment.TickCount64;
        var announce = new Announce(_options.Member, _options.Service, _options.Version, [.. _served.Contracts], _options.Keys?.PublicKey, _options.Ticket, _options.Credit);
        _loop.Send(BusFrames.Message(new BusHeader(FrameKind.Hello, 0), Handshake.Write(announce)));
    }

    private void SendControl(FrameKind kind, string name) => _loop.Send(BusFrames.Message(new BusHeader(kind, 0), BusFrames.Text(name)));

    private void CheckSize(int size)
    {
        if (size > _maxMessageBytes)
        {
            throw new BusMessageTooLargeException(size, _maxMessageBytes);
        }
    }

    private void Tick()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return; // Leaving: no heartbeat, and no join again.
        }

        var now = Environment.TickCount64;
        if (_options.ParentProcessId is { } parent && now - _lastParentCheck > 1000)
        {
            _lastParentCheck = now;
            if (!IsAlive(parent))
            {
                // The host that launched this member is gone: nobody will stop it otherwise.
                _ = DisposeAsync().AsTask();
                return;
            }
        }

        if (_welcome.Task.IsCompleted && now - Interlocked.Read(ref _lastHeard) > _timeoutMs)
        {
            if (_online)
            {
                _online = false;
                BusLog.Rejoining(_logger, _options.Member);
            }

            if (now - _lastHello > _heartbeatMs)
            {
                SendHello();
            }
        }
        else if (!_welcome.Task.IsCompleted && now - _lastHello > 2000)
        {
            SendHello();
        }
        else if (_online && now - _lastBeat >= _heartbeatMs)
        {
            _lastBeat = now;
            _loop.Send(BusFrames.Message(new BusHeader(FrameKind.Heartbeat, 0)), droppable: true);
        }
    }
}
