using Hotplug.Bus;
using Hotplug.TestPlugins.EchoProcess;

// The conformance kit's echo plugin as a bus member: launched by the bus runtime from its package, it joins with the
// ticket the host gave it, starts the plugin with the context the hub sends, and serves until the host says goodbye.
return await BusMember.RunAsync(BusMemberOptions.FromEnvironment(), served => served.ServePlugin(new ProcessEcho()));
