using System.CommandLine;
using Hotplug.Admin;

namespace Hotplug.Cli;

/// <summary><c>hotplug rollback</c>: let a running host go down to an older version of a plugin, once.</summary>
internal static class RollbackCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The plugin id." };
        var version = new Argument<string>("version") { Description = "The older version to allow." };
        var state = CommonOptions.State();
        var command = new Command("rollback", "Allow a running host to go down to an older version of a plugin (downgrades are refused otherwise).") { id, version, state };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var client = new HotplugAdminClient(parse.GetValue(state)!);
                await client.AllowDowngradeAsync(parse.GetValue(id)!, parse.GetValue(version)!, cancellationToken);
                Console.Out.WriteLine($"{parse.GetValue(id)}: rollback to {parse.GetValue(version)} allowed; the host looks at its package again now");
                return ExitCodes.Ok;
            }
            catch (AdminApiException ex)
            {
                return Output.Error(ex);
            }
        });
        return command;
    }
}
