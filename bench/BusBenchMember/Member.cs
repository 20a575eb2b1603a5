using System.Diagnostics;
using Bench.Contracts;
using Hotplug.Bus;

namespace BusBenchMember;

/// <summary>The bus side: a member that serves <see cref="IEcho"/> and <see cref="IWork"/> and subscribes to <c>bench.</c>.</summary>
internal static class Member
{
    public static async Task<int> RunAsync(string endpoint, string service, string name, bool inline, CancellationToken stop)
    {
        var work = new Work();
        var options = new BusMemberOptions
        {
            Endpoint = endpoint,
            Service = service,
            Member = name,
            RunHandlersInline = inline,
            // Leave the bus if the harness dies without closing standard input.
            ParentProcessId = Environment.GetEnvironmentVariable("BENCH_PARENT") is { } parent ? int.Parse(parent, System.Globalization.CultureInfo.InvariantCulture) : null,
        };
        await using var member = await BusMember.JoinAsync(options, s => s.Serve<IEcho>(new Echo()).Serve<IWork>(work), stop);
        using var subscription = member.Subscribe<WorkItem>("bench.", (_, _) =>
        {
            work.Message();
            return ValueTask.CompletedTask;
        });
        Console.WriteLine("joined");
        try
        {
            await member.Completion.WaitAsync(stop);
        }
        catch (OperationCanceledException)
        {
            // Standard input closed: leave with a goodbye.
        }

        return 0;
    }

    private sealed class Echo : IEcho
    {
        public Task<Payload> EchoAsync(Payload payload, CancellationToken cancellationToken = default) => Task.FromResult(payload);
    }

    private sealed class Work : IWork
    {
        private long _items;
        private long _lastItem;
        private long _messages;
        private long _lastMessage;

        public Task AcceptAsync(WorkItem item, CancellationToken cancellationToken = default)
        {
            // Items run concurrently on the thread pool: the last arrival is the latest timestamp any of them took.
            Interlocked.Increment(ref _items);
            Max(ref _lastItem, Stopwatch.GetTimestamp());
            return Task.CompletedTask;
        }

        public Task<WorkTally> TallyAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(new WorkTally(Interlocked.Read(ref _items), Interlocked.Read(ref _lastItem), Interlocked.Read(ref _messages), Interlocked.Read(ref _lastMessage)));

        public void Message()
        {
            Interlocked.Increment(ref _messages);
            Volatile.Write(ref _lastMessage, Stopwatch.GetTimestamp());
        }

        private static void Max(ref long location, long value)
        {
            var current = Interlocked.Read(ref location);
            while (value > current)
            {
                var seen = Interlocked.CompareExchange(ref location, value, current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }
    }
}
