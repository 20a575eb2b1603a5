using Hotplug.Bus;
using Ranker.Fleet;

// A bus member: it joins a host's bus, announces the service it serves (fleet-ranker) and the contracts of its plugin
// (ranking/v1), and serves calls until the host says goodbye. Launched by the host from its package, it finds its
// hub, name and ticket in the environment; run by hand on another machine, it is told on the command line:
//   Ranker.Fleet --endpoint tcp://ranking-host:5557 --hub-key <hub.pub's text> --key worker-7.key
var options = BusMemberOptions.FromEnvironment();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--endpoint":
            options.Endpoint = args[i + 1];
            break;
        case "--hub-key":
            options.HubPublicKey = args[i + 1];
            break;
        case "--key":
            options.Keys = BusKeys.Load(args[i + 1]);
            break;
        case "--name":
            options.Member = args[i + 1];
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]} (--endpoint, --hub-key, --key, --name)");
            return 2;
    }
}

if (options.Service.Length == 0)
{
    options.Service = "fleet-ranker";
}

// Serves until the host says goodbye, or SIGTERM / Ctrl+C: then it leaves the bus cleanly.
return await BusMember.RunAsync(options, served => served.ServePlugin(new FleetRanker(options.Member)));
