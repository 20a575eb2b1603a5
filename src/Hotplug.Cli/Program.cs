using System.CommandLine;
using System.CommandLine.Help;
using Hotplug.Cli;

// Named "hotplug", as the tool's command is: a RootCommand would take the assembly's name (Hotplug.Cli) for its usage lines.
var root = new Command("hotplug", "Hotplug: run plugins that load, upgrade and unload while the service keeps serving.")
{
    new HelpOption(),
    new VersionOption(),
};
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ListCommand.Create());
root.Subcommands.Add(CallCommand.Create());
root.Subcommands.Add(RollbackCommand.Create());
root.Subcommands.Add(PackageCommands.KeyGen());
root.Subcommands.Add(PackageCommands.BusKeyGen());
root.Subcommands.Add(PackageCommands.Pack());
root.Subcommands.Add(PackageCommands.Sign());
root.Subcommands.Add(PackageCommands.Verify());
root.Subcommands.Add(ProtoCommand.Create());

// Bad usage (an unknown command or option, a missing argument) prints what is wrong and the usage, and exits 2.
var parse = root.Parse(args);
var exitCode = await parse.InvokeAsync();
return parse.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
