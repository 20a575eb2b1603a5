using Hotplug.Build;

// Run by Hotplug.Abstractions' buildTransitive targets (never by hand):
//   manifest --source <plugin.json> --dest <folder> [--version <v>] [--version-from-project]
//   pack --folder <folder> --out <folder> --staging <folder> --source <plugin.json> [--key <file.key>]
// Problems print as MSBuild reads them (`<file>: error HP1110: ...`), so they show as build errors on the file.
return BuildCommand.Run(args);
