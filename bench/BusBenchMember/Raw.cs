using System.Diagnostics;
using NetMQ;
using NetMQ.Sockets;

namespace BusBenchMember;

/// <summary>
/// The raw NetMQ side of each pattern, the floor the bus is compared with: no framing of ours, no thread hops beyond
/// NetMQ's own. Each reports on standard output, one line per round.
/// </summary>
internal static class Raw
{
    /// <summary>How long a receiver waits after the last message before it calls a round over.</summary>
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(250);

    /// <summary>Request/reply: connects a DEALER to the host's ROUTER, says it is ready, then echoes every message.</summary>
    public static void Dealer(string endpoint, CancellationToken stop)
    {
        using var dealer = new DealerSocket();
        dealer.Options.Linger = TimeSpan.Zero;
        dealer.Connect(endpoint);
        dealer.SendFrame("ready");
        var frame = new Msg();
        frame.InitEmpty();
        while (!stop.IsCancellationRequested)
        {
            if (dealer.TryReceive(ref frame, TimeSpan.FromMilliseconds(200)))
            {
                dealer.Send(ref frame, more: false);
            }
        }

        frame.Close();
    }

    /// <summary>
    /// Pipeline: a PULL connected to the host's PUSH. A round ends at <paramref name="count"/> items, or when none came
    /// for a moment (a puller that shares the items with another cannot know its share); it prints the items and when
    /// the last arrived (<c>Stopwatch.GetTimestamp()</c>, CLOCK_MONOTONIC, which the host reads too).
    /// </summary>
    public static void Pull(string endpoint, int count, CancellationToken stop)
    {
        using var pull = new PullSocket();
        pull.Options.Linger = TimeSpan.Zero;
        pull.Connect(endpoint);
        Console.WriteLine("ready");
        Rounds(pull, count, _ => true, stop);
    }

    /// <summary>
    /// Publish/subscribe: a SUB to everything on the host's PUB. It answers the host's probes (first byte 0) once, so the
    /// host knows the subscription reached the publisher, then counts data messages (first byte 1) in rounds, as <see cref="Pull"/>.
    /// </summary>
    public static void Sub(string endpoint, int count, CancellationToken stop)
    {
        using var sub = new SubscriberSocket();
        sub.Options.Linger = TimeSpan.Zero;
        sub.Connect(endpoint);
        sub.SubscribeToAnyTopic();
        while (!stop.IsCancellationRequested)
        {
            if (sub.TryReceiveFrameBytes(TimeSpan.FromMilliseconds(200), out var probe) && probe.Length > 0 && probe[0] == 0)
            {
                break;
            }
        }

        Console.WriteLine("subscribed");
        Rounds(sub, count, data => data.Length > 0 && data[0] == 1, stop);
    }

    private static void Rounds(NetMQSocket socket, int count, Func<byte[], bool> counts, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var received = 0;
            var last = 0L;
            while (received < count && !stop.IsCancellationRequested)
            {
                // Before the first item of a round, wait as long as it takes; after it, a pause ends the round.
                if (!socket.TryReceiveFrameBytes(received == 0 ? TimeSpan.FromMilliseconds(200) : Idle, out var data))
                {
                    if (received == 0)
                    {
                        continue;
                    }

                    break;
                }

                if (counts(data))
                {
                    received++;
                    last = Stopwatch.GetTimestamp();
                }
            }

            if (received > 0)
            {
                Console.WriteLine($"{received} {last}");
            }
        }
    }
}
