using System.Diagnostics;
using NetMQ;
using NetMQ.Sockets;

namespace Hotplug.Benchmarks.Bus;

/// <summary>
/// The raw NetMQ loops the bus is measured against, hand-written on the same sockets the bus uses underneath, over
/// tcp on 127.0.0.1, each against a bench/BusBenchMember child process: no framing, no contract codec, no thread of ours.
/// </summary>
internal static class RawNetMq
{
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(120);

    /// <summary>ROUTER here, DEALER in the child: send a payload, wait for it back, on this thread.</summary>
    public static async Task<(double P50, double P99)> RoundTripAsync(int size, int warmup, int samples)
    {
        using var router = new RouterSocket();
        router.Options.Linger = TimeSpan.Zero;
        var endpoint = $"tcp://127.0.0.1:{router.BindRandomPort("tcp://127.0.0.1")}";
        await using var child = WorkerProcess.Start("raw-dealer", endpoint);
        if (!router.TryReceiveFrameBytes(TimeSpan.FromSeconds(30), out var identity))
        {
            throw new TimeoutException("The raw dealer did not connect.");
        }

        router.SkipFrame(); // "ready"
        var data = new byte[size];
        for (var i = 0; i < warmup; i++)
        {
            RoundTrip(router, identity, data);
        }

        var times = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            RoundTrip(router, identity, data);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        return Figure.Percentiles(times);
    }

    /// <summary>
    /// PUSH here, PULL in each child: <paramref name="items"/> items per round, the rate from the first send to the last
    /// arrival in any child; a warm-up round, then <paramref name="rounds"/> rounds, the median returned.
    /// </summary>
    public static async Task<Figure> PushPullAsync(int pullers, int items, int size, int rounds)
    {
        using var push = new PushSocket();
        push.Options.Linger = TimeSpan.Zero;
        var endpoint = $"tcp://127.0.0.1:{push.BindRandomPort("tcp://127.0.0.1")}";

        // One puller knows its count; two share the items unevenly and end each round when no more come.
        var count = pullers == 1 ? items : int.MaxValue;
        var children = Enumerable.Range(0, pullers).Select(_ => WorkerProcess.Start("raw-pull", endpoint, count.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        try
        {
            foreach (var child in children)
            {
                await child.ReadLineAsync(TimeSpan.FromSeconds(30));
            }

            // Connecting is asynchronous: give every puller time to be connected before the first round.
            await Task.Delay(300);
            var data = new byte[size];
            var rates = new List<double>();
            var cpu = Figure.Cpu(children);
            for (var round = 0; round <= rounds; round++)
            {
                if (round == 1)
                {
                    cpu = Figure.Cpu(children);
                }

                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < items; i++)
                {
                    push.SendFrame(data);
                }

                long received = 0;
                long last = 0;
                foreach (var child in children)
                {
                    var (got, at) = await child.ReadRoundAsync(RoundTimeout);
                    received += got;
                    last = Math.Max(last, at);
                }

                if (received != items)
                {
                    throw new InvalidOperationException($"The raw pullers received {received} of {items} items.");
                }

                if (round > 0)
                {
                    rates.Add(Figure.Rate(items, start, last));
                }
            }

            var figure = new Figure("raw_push_pull", items, size, OpsPerSecond: Figure.Median(rates)) { Extra = { ["members"] = pullers } };
            figure.AddCpu(cpu, Figure.Cpu(children), (long)items * rounds);
            return figure;
        }
        finally
        {
            foreach (var child in children)
            {
                await child.DisposeAsync();
            }
        }
    }

    /// <summary>PUB here, SUB in the child: publish as fast as the socket takes; the rate at which messages arrived, and how many were lost.</summary>
    public static async Task<Figure> PubSubAsync(int messages, int size, int rounds)
    {
        using var pub = new PublisherSocket();
        pub.Options.Linger = TimeSpan.Zero;
        var endpoint = $"tcp://127.0.0.1:{pub.BindRandomPort("tcp://127.0.0.1")}";
        await using var child = WorkerProcess.Start("raw-sub", endpoint, messages.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A subscription reaches the publisher some time after the connection: probe until the child heard one.
        var subscribed = child.ReadLineAsync(TimeSpan.FromSeconds(30));
        while (!subscribed.IsCompleted)
        {
            pub.SendFrame([0]);
            await Task.Delay(20);
        }

        await subscribed;
        var data = new byte[size];
        data[0] = 1;
        var received = new List<double>();
        var sent = new List<double>();
        var lost = new List<double>();
        var cpu = Figure.Cpu([child]);
        for (var round = 0; round <= rounds; round++)
        {
            if (round == 1)
            {
                cpu = Figure.Cpu([child]);
            }

            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < messages; i++)
            {
                pub.SendFrame(data);
            }

            var sentAt = Stopwatch.GetTimestamp();
            var (got, last) = await child.ReadRoundAsync(RoundTimeout);
            if (round > 0)
            {
                received.Add(Figure.Rate(got, start, last));
                sent.Add(Figure.Rate(messages, start, sentAt));
                lost.Add(messages - got);
            }
        }

        var figure = new Figure("raw_pub_sub", messages, size, OpsPerSecond: Figure.Median(received)) { Extra = { ["sent_per_s"] = Figure.Median(sent), ["lost"] = (long)Figure.Median(lost) } };
        figure.AddCpu(cpu, Figure.Cpu([child]), (long)messages * rounds);
        return figure;
    }

    private static void RoundTrip(RouterSocket router, byte[] identity, byte[] data)
    {
        router.SendMoreFrame(identity).SendFrame(data);
        router.SkipFrame();
        _ = router.ReceiveFrameBytes();
    }
}
