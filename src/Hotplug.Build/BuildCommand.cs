using Hotplug.Cli;

namespace Hotplug.Build;

/// <summary>Parses the helper's command line and runs the step it names, reporting failures for MSBuild.</summary>
internal static class BuildCommand
{
    /// <summary>The exit code of a failure the helper has reported as a build error.</summary>
    public const int Reported = 1;

    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            return Usage("no command");
        }

        Dictionary<string, string?> options;
        try
        {
            options = Options(args.AsSpan(1));
        }
        catch (ArgumentException ex)
        {
            return Usage(ex.Message);
        }

        var source = options.GetValueOrDefault("--source") ?? "plugin.json";
        try
        {
            switch (args[0])
            {
                case "manifest":
                    ManifestStep.Run(source, Required(options, "--dest"), options.GetValueOrDefault("--version"), options.ContainsKey("--version-from-project"), ToolRuntimes.Create());
                    return 0;
                case "pack":
                    var result = PackageStep.Run(source, Required(options, "--folder"), Required(options, "--out"), Required(options, "--staging"), options.GetValueOrDefault("--key"), ToolRuntimes.Create());
                    Console.Out.WriteLine($"{result.ZipPath}: {result.Id} {result.Version}, {result.FileCount} file(s), {(result.KeyId is null ? "unsigned" : "signed by " + result.KeyId)}");
                    return 0;
                default:
                    return Usage($"unknown command '{args[0]}'");
            }
        }
        catch (ArgumentException ex)
        {
            return Usage(ex.Message);
        }
        catch (PluginManifestException ex)
        {
            var field = ex.Field is null ? string.Empty : $"field '{ex.Field}': ";
            BuildLog.Error(source, ex.Code, field + ex.Reason);
            return Reported;
        }
        catch (Packaging.PackageVerificationException ex)
        {
            BuildLog.Error(source, ex.Code, WithoutCode(ex.Message, ex.Code));
            return Reported;
        }
        catch (Exception ex) when (ex is PluginException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            BuildLog.Error(source, BuildErrors.Failed, ex.Message);
            return Reported;
        }
    }

    private static Dictionary<string, string?> Options(ReadOnlySpan<string> args)
    {
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }

            // A flag is followed by another option or nothing; an option by its value (which may be empty).
            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            options[args[i]] = hasValue ? args[++i] : null;
        }

        return options;
    }

    private static string Required(Dictionary<string, string?> options, string name) =>
        options.GetValueOrDefault(name) is { Length: > 0 } value ? value : throw new ArgumentException($"{name} is required");

    private static string WithoutCode(string message, string code) =>
        message.StartsWith(code + ": ", StringComparison.Ordinal) ? message[(code.Length + 2)..] : message;

    private static int Usage(string problem)
    {
        BuildLog.Error("Hotplug.Build", BuildErrors.Failed, $"{problem}. Usage: manifest --source <plugin.json> --dest <folder> [--version <v>] [--version-from-project] | pack --folder <folder> --out <folder> --staging <folder> --source <plugin.json> [--key <file.key>]");
        return Reported;
    }
}
