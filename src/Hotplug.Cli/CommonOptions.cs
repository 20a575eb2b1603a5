using System.CommandLine;

namespace Hotplug.Cli;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    public const string DefaultState = ".hotplug";

    public static Option<string> State() => new("--state")
    {
        Description = "The host's state folder (store, admin.json).",
        DefaultValueFactory = _ => DefaultState,
    };
}

/// <summary>The exit codes of the hotplug command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The plugin, the arguments or the request was wrong, or the plugin failed.</summary>
    public const int Failed = 1;

    /// <summary>Bad usage: a missing or invalid option or argument.</summary>
    public const int Usage = 2;

    /// <summary>No host is running with that state folder, or it does not answer.</summary>
    public const int NoHost = 3;
}
