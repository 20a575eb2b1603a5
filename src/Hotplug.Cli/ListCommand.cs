using System.CommandLine;
using System.Text.Json;
using Hotplug.Admin;
using Spectre.Console;

namespace Hotplug.Cli;

/// <summary><c>hotplug ls</c>: the plugins of a running host, or one plugin whole.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var id = new Argument<string?>("id") { Description = "One plugin to show whole: its status, last error and history.", Arity = ArgumentArity.ZeroOrOne };
        id.Validators.Add(result =>
        {
            // An unknown option would otherwise be taken for a plugin id.
            if (result.Tokens is [{ Value: var token }] && token.StartsWith('-'))
            {
                result.AddError($"Unrecognized command or argument '{token}'.");
            }
        });
        var state = CommonOptions.State();
        var json = new Option<bool>("--json") { Description = "Print the JSON of GET /v1/plugins (or /v1/plugins/{id}) instead." };
        var command = new Command("ls", "List the plugins of a running host, or show one whole.") { id, state, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var client = new HotplugAdminClient(parse.GetValue(state)!);
                if (parse.GetValue(id) is { } pluginId)
                {
                    var plugin = await client.GetAsync(pluginId, cancellationToken);
                    Console.Out.Write(parse.GetValue(json) ? JsonSerializer.Serialize(plugin, Output.Indented) + Environment.NewLine : PluginDetails.Format(plugin));
                    return ExitCodes.Ok;
                }

                var plugins = await client.ListAsync(cancellationToken);
                if (parse.GetValue(json))
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(plugins, Output.Indented));
                }
                else
                {
                    AnsiConsole.Write(StatusTable.FromJson(plugins));

                    // Whole, on lines of their own: a table column would cut them.
                    foreach (var error in StatusTable.Errors(plugins))
                    {
                        Console.Out.WriteLine(error);
                    }
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
