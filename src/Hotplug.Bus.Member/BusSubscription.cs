using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Hotplug.Wire;
using Microsoft.Extensions.Logging;

namespace Hotplug.Bus;

/// <summary>
/// A subscription to published messages whose topic starts with <see cref="Prefix"/>, or to a bus channel. Messages
/// wait in a queue of at most the subscription's high-water mark for its handler; past it the newest are dropped and
/// counted in <see cref="Lost"/>, as are messages a publisher's side dropped for a slow subscriber (seen as gaps in
/// the publisher's sequence). Dispose it to stop receiving.
/// </summary>
public sealed class BusSubscription : IDisposable
{
    private readonly Channel<Delivery> _queue;
    private readonly Dictionary<(string Publisher, string Topic), ulong> _last = [];
    private readonly Action<BusSubscription> _remove;
    private long _received;
    private long _lost;
    private bool _dropped;

    internal BusSubscription(string prefix, int highWaterMark, Func<Delivery, ValueTask> handle, Action<BusSubscription> remove, ILogger logger)
    {
        Prefix = prefix;
        _remove = remove;
        _queue = Channel.CreateBounded<Delivery>(
            new BoundedChannelOptions(Math.Max(1, highWaterMark)) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ =>
            {
                // Called inside TryWrite, which reports true for a dropped write too.
                _dropped = true;
                Interlocked.Increment(ref _lost);
            });
        Completion = Task.Run(async () =>
        {
            await foreach (var delivery in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    await handle(delivery).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    BusLog.HandlerFailed(logger, delivery.Topic, ex);
                }
            }
        });
    }

    /// <summary>Gets the topic prefix (or the bus channel's name).</summary>
    public string Prefix { get; }

    /// <summary>Gets how many messages reached the handler's queue.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Gets how many messages this subscriber lost: dropped past its high-water mark here, or by the publisher's side for it.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>Gets a task that completes once the subscription is disposed and its queue is handled.</summary>
    public Task Completion { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_queue.Writer.TryComplete())
        {
            _remove(this);
        }
    }

    internal void Deliver(Delivery delivery)
    {
        lock (_last)
        {
            var key = (delivery.Publisher, delivery.Topic);
            if (delivery.Sequence != 0)
            {
                var known = _last.TryGetValue(key, out var last);
                if (known && delivery.Sequence > last + 1)
                {
                    Interlocked.Add(ref _lost, (long)(delivery.Sequence - last - 1));
                }

                _last[key] = known ? Math.Max(delivery.Sequence, last) : delivery.Sequence;
            }

            _dropped = false;
            if (_queue.Writer.TryWrite(delivery) && !_dropped)
            {
                Interlocked.Increment(ref _received);
            }
        }
    }

    internal readonly record struct Delivery(string Topic, string Publisher, ulong Sequence, byte[] Payload);
}

/// <summary>Subscriptions by prefix (or channel by exact name), and the typed handlers over them.</summary>
internal sealed class SubscriptionSet(bool exact, ILogger logger, Action<string> first, Action<string> last)
{
    private readonly List<BusSubscription> _subscriptions = [];

    public IReadOnlyList<string> Prefixes
    {
        get
        {
            lock (_subscriptions)
            {
                return [.. _subscriptions.Select(s => s.Prefix).Distinct(StringComparer.Ordinal)];
            }
        }
    }

    [RequiresDynamicCode("Bus messages are encoded by reflection.")]
    [RequiresUnreferencedCode("Bus messages are read by reflection.")]
    public BusSubscription Add<T>(string prefix, int highWaterMark, Func<BusMessage<T>, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(handler);
        var codec = ContractSchema.MessageCodec(typeof(T));
        var subscription = new BusSubscription(
            prefix,
            highWaterMark,
            d => handler(new BusMessage<T>(d.Topic, d.Publisher, (T)codec.Decode(d.Payload.AsSpan())[0]!), CancellationToken.None),
            Remove,
            logger);
        bool isFirst;
        lock (_subscriptions)
        {
            isFirst = !_subscriptions.Any(s => s.Prefix == prefix);
            _subscriptions.Add(subscription);
        }

        if (isFirst)
        {
            first(prefix);
        }

        return subscription;
    }

    public int Deliver(string topic, string publisher, ulong sequence, byte[] payload)
    {
        BusSubscription[] matching;
        lock (_subscriptions)
        {
            matching = [.. _subscriptions.Where(s => exact ? s.Prefix == topic : topic.StartsWith(s.Prefix, StringComparison.Ordinal))];
        }

        foreach (var subscription in matching)
        {
            subscription.Deliver(new BusSubscription.Delivery(topic, publisher, sequence, payload));
        }

        return matching.Length;
    }

    private void Remove(BusSubscription subscription)
    {
        bool wasLast;
        lock (_subscriptions)
        {
            _subscriptions.Remove(subscription);
            wasLast = !_subscriptions.Any(s => s.Prefix == subscription.Prefix);
        }

        if (wasLast)
        {
            last(subscription.Prefix);
        }
    }
}

/// <summary>A message received on the bus: its topic (or channel), who sent it, and the message.</summary>
/// <typeparam name="T">The message type.</typeparam>
/// <param name="Topic">The topic it was published on, or the bus channel's name.</param>
/// <param name="Sender">The member that sent it, or <c>host</c>.</param>
/// <param name="Message">The message.</param>
public readonly record struct BusMessage<T>(string Topic, string Sender, T Message);

/// <summary>Sequence numbers per topic, for a publisher: subscribers count the gaps as lost messages.</summary>
internal sealed class TopicSequences
{
    private readonly Dictionary<string, ulong> _next = new(StringComparer.Ordinal);

    public ulong Next(string topic)
    {
        lock (_next)
        {
            _next.TryGetValue(topic, out var last);
            return _next[topic] = last + 1;
        }
    }
}

internal static partial class BusLog
{
    [LoggerMessage(1, LogLevel.Warning, "A bus handler for '{Topic}' failed.")]
    public static partial void HandlerFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(2, LogLevel.Warning, "The hub sent a message this member cannot read: {Reason}")]
    public static partial void Malformed(ILogger logger, string reason);

    [LoggerMessage(3, LogLevel.Warning, "The hub says: {Reason}")]
    public static partial void HubError(ILogger logger, string reason);

    [LoggerMessage(4, LogLevel.Information, "Bus member {Member} joined {Endpoint} serving {Service}.")]
    public static partial void Joined(ILogger logger, string member, string endpoint, string service);

    [LoggerMessage(5, LogLevel.Warning, "Bus member {Member} lost the hub; joining again.")]
    public static partial void Rejoining(ILogger logger, string member);
}
