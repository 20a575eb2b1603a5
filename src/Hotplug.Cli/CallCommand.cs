using System.CommandLine;
using System.Text.Json;
using Hotplug.Admin;

namespace Hotplug.Cli;

/// <summary><c>hotplug call</c>: call a plugin method by name on a running host.</summary>
internal static class CallCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The plugin id." };
        var method = new Argument<string>("method") { Description = "The contract method; the Async suffix may be left out." };
        var arguments = new Argument<string>("json-args")
        {
            Description = "A JSON object of the method's arguments by parameter name, such as '{\"request\":{\"userId\":\"u1\"}}'.",
            DefaultValueFactory = _ => "{}",
        };
        var state = CommonOptions.State();
        var command = new Command("call", "Call a plugin method by name and print the result as JSON; a stream method's items are printed as they arrive.") { id, method, arguments, state };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var json = parse.GetValue(arguments)!;
            try
            {
                using var _ = JsonDocument.Parse(json);
            }
            catch (JsonException ex)
            {
                Console.Error.WriteLine($"error bad_request: json-args is not valid JSON: {ex.Message}");
                return ExitCodes.Usage;
            }

            try
            {
                using var client = new HotplugAdminClient(parse.GetValue(state)!);
                await foreach (var result in client.InvokeStreamAsync(parse.GetValue(id)!, parse.GetValue(method)!, json, cancellationToken))
                {
                    // One JSON value after another, each as it arrives: what jq and other JSON-stream readers take.
                    Console.Out.WriteLine(JsonSerializer.Serialize(result, Output.Indented));
                }

                return ExitCodes.Ok;
            }
            catch (AdminApiException ex)
            {
                return Output.Error(ex);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: the request is dropped, and the host cancels the plugin's call.
                return ExitCodes.Failed;
            }
        });
        return command;
    }
}
