using System.Globalization;
using Hotplug.Bus;
using Hotplug.TestContracts;

// A bus member the pattern tests drive: it serves IWork and, on commands read from standard input, publishes,
// subscribes, joins channels and opens pairs. Everything it sees it prints on standard output, one line each, for the
// tests to wait on.
//   BusWorker --endpoint E --service S --name N [--hub-key K] [--key F] [--credit N] [--slow MS] [--subscribe P] [--hwm N]
//             [--call-delay MS] [--join-timeout MS]
// --slow delays each subscription handler; --call-delay delays each call, deaf to cancellation (a member that is busy).
var options = new BusMemberOptions { JoinTimeout = TimeSpan.FromSeconds(20) };
var slow = 0;
var callDelay = 0;
var hwm = 1000;
var subscriptions = new List<string>();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    var value = args[i + 1];
    switch (args[i])
    {
        case "--endpoint": options.Endpoint = value; break;
        case "--service": options.Service = value; break;
        case "--name": options.Member = value; break;
        case "--hub-key": options.HubPublicKey = value; break;
        case "--key": options.Keys = BusKeys.Load(value); break;
        case "--credit": options.Credit = Number(value); break;
        case "--slow": slow = Number(value); break;
        case "--hwm": hwm = Number(value); break;
        case "--subscribe": subscriptions.Add(value); break;
        case "--call-delay": callDelay = Number(value); break;
        case "--join-timeout": options.JoinTimeout = TimeSpan.FromMilliseconds(Number(value)); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

options.SubscriberHighWaterMark = hwm;
var output = TextWriter.Synchronized(Console.Out);
BusMember member;
try
{
    member = await BusMember.JoinAsync(options, s => s.Serve<IWork>(new Work(options.Member, callDelay, output)));
}
catch (Exception ex)
{
    output.WriteLine($"join failed: {ex.GetType().Name}: {ex.Message}");
    return 1;
}

var subscribed = new Dictionary<string, BusSubscription>(StringComparer.Ordinal);
foreach (var prefix in subscriptions)
{
    subscribed[prefix] = member.Subscribe<Tick>(prefix, async (m, ct) =>
    {
        if (slow > 0)
        {
            await Task.Delay(slow, ct);
        }

        output.WriteLine($"tick {m.Topic} {m.Message.N} from {m.Sender}");
    });
}

output.WriteLine($"ready {options.Member}");
BusPair<Tick>? pair = null;
while (await Console.In.ReadLineAsync() is { } line)
{
    var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    try
    {
        switch (words)
        {
            case ["publish", var topic, var count]:
                for (var n = 1; n <= Number(count); n++)
                {
                    member.Publish(topic, new Tick(n, "from " + options.Member));
                }

                output.WriteLine($"published {topic} {count}");
                break;
            case ["stats"]:
                foreach (var (prefix, subscription) in subscribed)
                {
                    output.WriteLine($"stats '{prefix}' received={subscription.Received} lost={subscription.Lost}");
                }

                output.WriteLine("stats done");
                break;
            case ["join-channel", var channel]:
                subscribed["#" + channel] = member.JoinChannel<Tick>(channel, (m, _) =>
                {
                    output.WriteLine($"chan {m.Topic} {m.Message.N} from {m.Sender}");
                    return ValueTask.CompletedTask;
                });
                output.WriteLine($"joined {channel}");
                break;
            case ["send-channel", var channel, var n]:
                member.SendOnChannel(channel, new Tick(Number(n), options.Member));
                output.WriteLine($"sent {channel} {n}");
                break;
            case ["pair", var name]:
                pair = await member.OpenPairAsync<Tick>(name);
                output.WriteLine($"pair opened {name} with {pair.Peer}");
                _ = EchoPairAsync(pair);
                break;
            case ["pair-send", var n]:
                pair!.Send(new Tick(Number(n), options.Member));
                break;
            case ["leave"]:
                await member.DisposeAsync();
                output.WriteLine("left");
                return 0;
            default:
                output.WriteLine($"unknown command {line}");
                break;
        }
    }
    catch (Exception ex)
    {
        output.WriteLine($"error {words.FirstOrDefault()}: {ex.GetType().Name}: {ex.Message}");
    }
}

await member.DisposeAsync();
return 0;

async Task EchoPairAsync(BusPair<Tick> opened)
{
    try
    {
        while (true)
        {
            var message = await opened.ReceiveAsync(opened.Closed);
            output.WriteLine($"pair-msg {message.N} {message.Text}");
        }
    }
    catch (Exception ex) when (ex is OperationCanceledException or BusPairClosedException)
    {
        output.WriteLine("pair closed");
    }
}

static int Number(string text) => int.Parse(text, CultureInfo.InvariantCulture);

/// <summary>IWork that says who answered, and prints each call and item.</summary>
internal sealed class Work(string name, int callDelay, TextWriter output) : IWork
{
    public async ValueTask<WorkReply> DoAsync(WorkRequest request, CancellationToken cancellationToken = default)
    {
        output.WriteLine($"doing {request.Id}");
        if (request.Crash)
        {
            Environment.Exit(3);
        }

        if (callDelay > 0)
        {
            await Task.Delay(callDelay, CancellationToken.None);
        }

        if (request.DelayMs > 0)
        {
            await Task.Delay(request.DelayMs, cancellationToken);
        }

        output.WriteLine($"did {request.Id}");
        return new WorkReply(request.Id, name);
    }

    public async Task AcceptAsync(WorkItem item, CancellationToken cancellationToken = default)
    {
        output.WriteLine($"taking {item.Id}");
        if (item.DelayMs > 0)
        {
            await Task.Delay(item.DelayMs, cancellationToken);
        }

        output.WriteLine($"item {item.Id}");
    }
}
