using System.CommandLine;
using Hotplug.Cli;

var root = new RootCommand("Hotplug: run plugins that load, upgrade and unload while the service keeps serving.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ListCommand.Create());
root.Subcommands.Add(CallCommand.Create());
root.Subcommands.Add(RollbackCommand.Create());
root.Subcommands.Add(PackageCommands.KeyGen());
root.Subcommands.Add(PackageCommands.Pack());
root.Subcommands.Add(PackageCommands.Sign());
root.Subcommands.Add(PackageCommands.Verify());
root.Subcommands.Add(ProtoCommand.Create());
return await root.Parse(args).InvokeAsync();
