using System.CommandLine;
using System.Reflection;
using System.Runtime.Loader;
using Hotplug.Wire;

namespace Hotplug.Cli;

/// <summary><c>hotplug proto</c>: the <c>.proto</c> of a contract assembly's contracts, to implement them in any language.</summary>
internal static class ProtoCommand
{
    public static Command Create()
    {
        var assembly = new Argument<string>("assembly") { Description = "The contract assembly (.dll), built; its dependencies are looked up beside it." };
        var contract = new Option<string?>("--contract") { Description = "Only this contract, by name (ranking/v1) or interface (IRanker); an interface without [PluginContract], such as a host service (IItemStore), by its name." };
        var output = new Option<string?>("--out") { Description = "Write one <service>.proto per contract into this folder instead of standard output." };
        var fileOptions = new Option<string[]>("--option") { Description = "A file option to write, such as go_package=example.com/ranker/pb (repeatable).", AllowMultipleArgumentsPerToken = false };
        var command = new Command("proto", "Write the gRPC service and messages of each [PluginContract] interface in an assembly as proto3, as Hotplug carries them.")
        {
            assembly, contract, output, fileOptions,
        };
        command.SetAction(parse =>
        {
            try
            {
                return Run(parse.GetValue(assembly)!, parse.GetValue(contract), parse.GetValue(output), parse.GetValue(fileOptions) ?? []);
            }
            catch (Exception ex) when (ex is ContractSchemaException or IOException or BadImageFormatException or UnauthorizedAccessException or ArgumentException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    private static int Run(string path, string? only, string? output, string[] rawOptions)
    {
        var options = new List<KeyValuePair<string, string>>();
        foreach (var option in rawOptions)
        {
            var equals = option.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                Console.Error.WriteLine($"error: --option {option}: write it as name=value, such as go_package=example.com/ranker/pb.");
                return ExitCodes.Usage;
            }

            options.Add(new(option[..equals], option[(equals + 1)..]));
        }

        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            Console.Error.WriteLine($"error: {full} does not exist.");
            return ExitCodes.Failed;
        }

        var context = new ContractLoadContext(full);
        try
        {
            // Every [PluginContract]; or the one named, which may also be a plain interface a host exports to its
            // plugins (a host service, such as IItemStore), served over go-plugin's broker in the same shape.
            var contracts = context.LoadFromAssemblyPath(full).GetExportedTypes()
                .Where(t => t.IsInterface)
                .Where(t => only is null
                    ? t.GetCustomAttribute<PluginContractAttribute>() is not null
                    : t.Name == only || t.FullName == only || t.GetCustomAttribute<PluginContractAttribute>()?.Name == only)
                .OrderBy(t => t.FullName, StringComparer.Ordinal)
                .ToList();
            if (contracts.Count == 0)
            {
                Console.Error.WriteLine(only is null
                    ? $"error: {Path.GetFileName(full)} has no public interface marked [PluginContract]."
                    : $"error: {Path.GetFileName(full)} has no contract named {only}.");
                return ExitCodes.Failed;
            }

            foreach (var type in contracts)
            {
                var schema = ContractSchema.For(type);
                var proto = schema.ToProto(options);
                if (output is null)
                {
                    Console.Out.Write(proto);
                    continue;
                }

                Directory.CreateDirectory(output);
                var file = Path.Combine(output, schema.ServiceName.ToLowerInvariant() + ".proto");
                File.WriteAllText(file, proto);
                Console.Out.WriteLine($"{schema.ContractName ?? type.Name}: {file} (service {schema.FullServiceName}, {schema.Operations.Count} method(s))");
            }

            return ExitCodes.Ok;
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>Loads a contract assembly and its dependencies from its folder, sharing Hotplug.Abstractions with the tool.</summary>
    private sealed class ContractLoadContext(string path) : AssemblyLoadContext("hotplug-proto", isCollectible: true)
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name == typeof(PluginContractAttribute).Assembly.GetName().Name)
            {
                return null;
            }

            var resolved = _resolver.ResolveAssemblyToPath(assemblyName)
                ?? Path.Combine(Path.GetDirectoryName(path)!, assemblyName.Name + ".dll");
            return File.Exists(resolved) ? LoadFromAssemblyPath(resolved) : null;
        }
    }
}
