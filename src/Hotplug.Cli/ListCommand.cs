using System.CommandLine;
using System.Text.Json;
using Hotplug.Admin;
using Spectre.Console;

namespace Hotplug.Cli;

/// <summary><c>hotplug ls</c>: the plugins of a running host.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var state = CommonOptions.State();
        var json = new Option<bool>("--json") { Description = "Print the JSON of GET /v1/plugins instead of a table." };
        var command = new Command("ls", "List the plugins of a running host.") { state, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var client = new HotplugAdminClient(parse.GetValue(state)!);
                var plugins = await client.ListAsync(cancellationToken);
                if (parse.GetValue(json))
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(plugins, Output.Indented));
                }
                else
                {
                    AnsiConsole.Write(StatusTable.FromJson(plugins));
                }

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
