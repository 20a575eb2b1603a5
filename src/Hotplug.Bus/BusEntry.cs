using System.Text.Json;

namespace Hotplug.Bus;

/// <summary>
/// A bus plugin's <c>entry</c>: which members serve it, and which the host launches itself.
/// <code>
/// "entry": {
///   "service": "ranker",                                   // members announcing this service serve the plugin (default: its id)
///   "launch": { "executable": "RankerWorker", "args": [], "count": 2 }   // members the host starts from the package (optional)
/// }
/// </code>
/// </summary>
internal sealed record BusEntry(string? Service, BusLaunch? Launch)
{
    public static BusEntry Read(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new PluginManifestException("", "entry", "A bus plugin's entry is an object: { \"service\": \"…\", \"launch\": { \"executable\": \"…\" } }.");
        }

        string? service = null;
        BusLaunch? launch = null;
        foreach (var property in entry.EnumerateObject())
        {
            switch (property.Name)
            {
                case "service":
                    service = property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { Length: > 0 } s
                        ? s
                        : throw new PluginManifestException("", "entry.service", "entry.service is the service members announce: a non-empty string.");
                    break;
                case "launch":
                    launch = ReadLaunch(property.Value);
                    break;
                default:
                    throw new PluginManifestException("", $"entry.{property.Name}", $"A bus plugin's entry has no '{property.Name}' (it has service and launch).");
            }
        }

        return new BusEntry(service, launch);
    }

    private static BusLaunch ReadLaunch(JsonElement launch)
    {
        if (launch.ValueKind != JsonValueKind.Object)
        {
            throw new PluginManifestException("", "entry.launch", "entry.launch is an object: { \"executable\": \"…\", \"args\": [], \"count\": 1 }.");
        }

        string? executable = null;
        List<string> args = [];
        var count = 1;
        foreach (var property in launch.EnumerateObject())
        {
            switch (property.Name)
            {
                case "executable":
                    executable = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                    if (string.IsNullOrWhiteSpace(executable) || Path.IsPathRooted(executable) || executable.Split('/', '\\').Any(p => p is ".." or "."))
                    {
                        throw new PluginManifestException("", "entry.launch.executable", "entry.launch.executable is a file of the package, by a relative path without . or .. segments.");
                    }

                    break;
                case "args":
                    if (property.Value.ValueKind != JsonValueKind.Array || property.Value.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
                    {
                        throw new PluginManifestException("", "entry.launch.args", "entry.launch.args is an array of strings.");
                    }

                    args = [.. property.Value.EnumerateArray().Select(a => a.GetString()!)];
                    break;
                case "count":
                    if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out count) || count is < 1 or > 64)
                    {
                        throw new PluginManifestException("", "entry.launch.count", "entry.launch.count is how many members to launch: 1 to 64.");
                    }

                    break;
                default:
                    throw new PluginManifestException("", $"entry.launch.{property.Name}", $"entry.launch has no '{property.Name}' (it has executable, args and count).");
            }
        }

        return executable is null
            ? throw new PluginManifestException("", "entry.launch.executable", "entry.launch.executable is required: the member program in the package.")
            : new BusLaunch(executable, args, count);
    }
}

/// <summary>Members the host launches from the package: the program, its arguments, how many.</summary>
internal sealed record BusLaunch(string Executable, IReadOnlyList<string> Args, int Count);
