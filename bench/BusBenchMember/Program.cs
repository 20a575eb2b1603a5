using System.Globalization;
using BusBenchMember;

// The child process of the bus benchmark (bench/Hotplug.Benchmarks `bus`): a bus member, or one end of a raw NetMQ
// socket pair for the same pattern. Every mode runs until its standard input closes (the harness closes it to stop it).
var stop = new CancellationTokenSource();
_ = Task.Run(async () =>
{
    await Console.In.ReadToEndAsync();
    await stop.CancelAsync();
});

switch (args)
{
    case ["member", var endpoint, var service, var name, .. var more]:
        return await Member.RunAsync(endpoint, service, name, inline: more is ["inline"], stop.Token);
    case ["raw-dealer", var endpoint]:
        Raw.Dealer(endpoint, stop.Token);
        return 0;
    case ["raw-pull", var endpoint, var count]:
        Raw.Pull(endpoint, int.Parse(count, CultureInfo.InvariantCulture), stop.Token);
        return 0;
    case ["raw-sub", var endpoint, var count]:
        Raw.Sub(endpoint, int.Parse(count, CultureInfo.InvariantCulture), stop.Token);
        return 0;
    default:
        await Console.Error.WriteLineAsync("usage: BusBenchMember member <endpoint> <service> <name> [inline] | raw-dealer <endpoint> | raw-pull <endpoint> <count> | raw-sub <endpoint> <count>");
        return 2;
}
