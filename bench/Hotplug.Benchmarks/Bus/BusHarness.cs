using System.Diagnostics;
using Bench.Contracts;
using Hotplug.Bus;

namespace Hotplug.Benchmarks.Bus;

/// <summary>
/// The bus benchmark (bench/bus/run.sh): a <see cref="BusHub"/> here and bench/BusBenchMember members in other processes,
/// measured side by side in one run with hand-written raw NetMQ loops of the same pattern, payload and count:
/// request/reply against ROUTER/DEALER, pipeline against PUSH/PULL, publish/subscribe against PUB/SUB, all tcp on
/// 127.0.0.1. Prints one JSON line per figure; a bus figure carries its ratio to the raw one.
/// </summary>
internal static class BusHarness
{
    private const int Rounds = 3;
    private static readonly TimeSpan Survey = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        if (!WorkerProcess.Exists)
        {
            await Console.Error.WriteLineAsync($"{WorkerProcess.Location} is missing: run bench/bus/run.sh, which builds it.");
            return 1;
        }

        var items = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var run = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        using var hub = new BusHub(new BusHubOptions { AllowUnauthenticated = true });
        var endpoint = hub.Endpoints[0];

        // Request/reply to a member that runs handlers on the thread pool (the default), and to one that runs them on
        // its socket thread (BusMemberOptions.RunHandlersInline).
        await using (WorkerProcess.Start("member", endpoint, "echo", "echo-1"))
        await using (WorkerProcess.Start("member", endpoint, "echo-inline", "echo-inline-1", "inline"))
        {
            await OnlineAsync(hub, "echo", 1);
            await OnlineAsync(hub, "echo-inline", 1);
            var echo = hub.Get<IEcho>("echo");
            var inline = hub.Get<IEcho>("echo-inline");
            foreach (var (size, warmup, samples) in new[] { (16, 20_000, 5_000), (64 * 1024, 1_000, 1_000) })
            {
                Progress($"request/reply, {size} B");
                var (rawP50, rawP99) = await RawNetMq.RoundTripAsync(size, warmup, samples);
                Print(run, new Figure("raw_router_dealer", samples, size, rawP50, rawP99, Math.Round(1e6 / rawP50)));
                foreach (var (name, member) in new[] { ("bus_request_reply", echo), ("bus_request_reply_inline", inline) })
                {
                    var (p50, p99) = await ProcessHarness.LatencyAsync(data => member.EchoAsync(new Payload(data)), size, warmup, samples);
                    var bus = new Figure(name, samples, size, p50, p99, Math.Round(1e6 / p50));
                    bus.Extra["p50_ratio"] = Figure.Ratio(p50, rawP50);
                    bus.Extra["p99_ratio"] = Figure.Ratio(p99, rawP99);
                    Print(run, bus);
                }
            }
        }

        await using var first = WorkerProcess.Start("member", endpoint, "work", "work-1");
        await OnlineAsync(hub, "work", 1);
        await PipelineAsync(run, hub, [first], items);
        await PubSubAsync(run, hub, first, items);
        await using var second = WorkerProcess.Start("member", endpoint, "work", "work-2");
        await OnlineAsync(hub, "work", 2);
        await PipelineAsync(run, hub, [first, second], items);
        return 0;
    }

    private static async Task PipelineAsync(string run, BusHub hub, WorkerProcess[] workers, int items)
    {
        const int size = 16;
        var members = workers.Length;
        Progress($"pipeline, {members} member(s)");
        var raw = await RawNetMq.PushPullAsync(members, items, size, Rounds);
        Print(run, raw);

        var item = new WorkItem(new byte[size]);
        var rates = new List<double>();
        var cpu = Figure.Cpu(workers);
        for (var round = 0; round <= Rounds; round++)
        {
            if (round == 1)
            {
                cpu = Figure.Cpu(workers);
            }

            var before = await TallyAsync(hub, members);
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < items; i++)
            {
                await hub.PushAsync<IWork>("work", w => w.AcceptAsync(item));
            }

            // A push completes when a member took the item; wait until every item reached its member.
            var after = await TallyAsync(hub, members);
            while (after.Items - before.Items < items)
            {
                await Task.Delay(2);
                after = await TallyAsync(hub, members);
            }

            if (round > 0)
            {
                rates.Add(Figure.Rate(items, start, after.LastItem));
            }
        }

        var bus = new Figure("bus_push", items, size, OpsPerSecond: Figure.Median(rates)) { Extra = { ["members"] = members } };
        bus.AddCpu(cpu, Figure.Cpu(workers), (long)items * Rounds);
        bus.Extra["ops_ratio"] = Figure.Ratio(bus.OpsPerSecond, raw.OpsPerSecond);
        Print(run, bus);
    }

    private static async Task PubSubAsync(string run, BusHub hub, WorkerProcess worker, int messages)
    {
        const int size = 16;
        Progress("publish/subscribe, 1 subscriber");
        var raw = await RawNetMq.PubSubAsync(messages, size, Rounds);
        Print(run, raw);

        // The member subscribes after it joined: publish until its subscription reached the hub.
        var message = new WorkItem(new byte[size]);
        var seen = (await TallyAsync(hub, 1)).Messages;
        while ((await TallyAsync(hub, 1)).Messages == seen)
        {
            hub.Publish("bench.probe", message);
            await Task.Delay(20);
        }

        await QuietAsync(hub);
        var received = new List<double>();
        var sent = new List<double>();
        var lost = new List<double>();
        var cpu = Figure.Cpu([worker]);
        for (var round = 0; round <= Rounds; round++)
        {
            if (round == 1)
            {
                cpu = Figure.Cpu([worker]);
            }

            var before = await TallyAsync(hub, 1);
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < messages; i++)
            {
                hub.Publish("bench.tick", message);
            }

            var sentAt = Stopwatch.GetTimestamp();
            var after = await QuietAsync(hub);
            if (round > 0)
            {
                var got = after.Messages - before.Messages;
                received.Add(Figure.Rate(got, start, after.LastMessage));
                sent.Add(Figure.Rate(messages, start, sentAt));
                lost.Add(messages - got);
            }
        }

        var bus = new Figure("bus_publish", messages, size, OpsPerSecond: Figure.Median(received)) { Extra = { ["sent_per_s"] = Figure.Median(sent), ["lost"] = (long)Figure.Median(lost) } };
        bus.AddCpu(cpu, Figure.Cpu([worker]), (long)messages * Rounds);
        bus.Extra["ops_ratio"] = Figure.Ratio(bus.OpsPerSecond, raw.OpsPerSecond);
        Print(run, bus);
    }

    /// <summary>Waits until the subscriber's count stops moving (a lossy pattern has no count to wait for).</summary>
    private static async Task<Tally> QuietAsync(BusHub hub)
    {
        var last = await TallyAsync(hub, 1);
        while (true)
        {
            await Task.Delay(300);
            var now = await TallyAsync(hub, 1);
            if (now.Messages == last.Messages)
            {
                return now;
            }

            last = now;
        }
    }

    /// <summary>Asks every member of the work service what reached it, and adds it up.</summary>
    private static async Task<Tally> TallyAsync(BusHub hub, int members)
    {
        var result = await hub.SurveyAsync<IWork, WorkTally>("work", w => w.TallyAsync(), Survey);
        if (result.Answers.Count != members)
        {
            throw new InvalidOperationException($"{result.Answers.Count} of {members} work members answered the tally ({result.Asked} asked).");
        }

        return new Tally(
            result.Answers.Sum(a => a.Answer.Items),
            result.Answers.Max(a => a.Answer.LastItemTimestamp),
            result.Answers.Sum(a => a.Answer.Messages),
            result.Answers.Max(a => a.Answer.LastMessageTimestamp));
    }

    private static async Task OnlineAsync(BusHub hub, string service, int count)
    {
        var deadline = Stopwatch.StartNew();
        while (hub.Members.Count(m => m.Service == service && m.State == BusMemberState.Online) < count)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{count} member(s) of '{service}' were not online within 60 s.");
            }

            await Task.Delay(20);
        }
    }

    private static void Print(string run, Figure figure) => Console.WriteLine(figure.ToJson(run));

    private static void Progress(string what) => Console.Error.WriteLine($"bus bench: {what}");

    private readonly record struct Tally(long Items, long LastItem, long Messages, long LastMessage);
}
