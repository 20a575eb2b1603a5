using System.Text.Json;
using Hotplug.Admin;

namespace Hotplug.Cli;

/// <summary>How the commands print results and errors.</summary>
internal static class Output
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Prints <c>error &lt;code&gt;: &lt;message&gt;</c> to standard error and returns the exit code for it.</summary>
    public static int Error(AdminApiException exception)
    {
        Console.Error.WriteLine($"error {exception.Code}: {exception.Message}");
        return exception.Code == "no_host" ? ExitCodes.NoHost : ExitCodes.Failed;
    }
}
