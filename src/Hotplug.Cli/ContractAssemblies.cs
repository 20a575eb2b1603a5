using System.Reflection;
using System.Runtime.Loader;
using Hotplug.Loading;

namespace Hotplug.Cli;

/// <summary>
/// <c>hotplug run --contracts</c>: contract assemblies the CLI host takes as its own, as an embedded host that
/// references them would. They are loaded into the default load context before any plugin starts, with their
/// dependencies from beside them, so that plugins share them (one type identity) instead of loading a private copy,
/// and a plugin that does not ship its contract (built for an embedded host) runs and is called by name.
/// </summary>
internal static class ContractAssemblies
{
    private const string AbstractionsName = "Hotplug.Abstractions";

    /// <summary>The simple names of the trusted platform assemblies: the frameworks' and the CLI's own.</summary>
    private static readonly Lazy<HashSet<string>> HostAssemblies = new(() =>
        ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase));

    /// <summary>Loads the given contract assemblies and returns the names plugins must share with the host.</summary>
    /// <param name="paths">Paths to contract assemblies, as given on the command line.</param>
    /// <returns>
    /// The simple names of the contract assemblies and of their dependencies found beside them, for
    /// <see cref="AssemblyRuntimeOptions.SharedAssemblies"/>; the host's own assemblies are shared anyway.
    /// </returns>
    /// <exception cref="UsageException">A path is not a file, or not a .NET assembly.</exception>
    public static IReadOnlyList<string> Load(IReadOnlyList<string> paths)
    {
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var given in paths)
        {
            var path = Path.GetFullPath(given);
            if (!File.Exists(path))
            {
                throw new UsageException($"--contracts {given}: no such file; give the path of a built contract assembly (.dll).");
            }

            AssemblyName name;
            try
            {
                name = AssemblyName.GetAssemblyName(path);
            }
            catch (Exception ex) when (ex is BadImageFormatException or FileLoadException)
            {
                throw new UsageException($"--contracts {given}: not a .NET assembly; give the path of a built contract assembly (.dll).");
            }

            byName[name.Name!] = path;
        }

        // Each contract's own dependencies (a message library, say), from beside it, as far as the host lacks them.
        var shared = Closure(byName);
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            name.Name is { } simple && shared.TryGetValue(simple, out var path) ? Loaded(simple) ?? context.LoadFromAssemblyPath(path) : null;

        foreach (var (name, path) in byName)
        {
            // The host's own copy wins (Hotplug.Abstractions given by mistake, say): it is what plugins share anyway.
            if (Loaded(name) is null && !IsHostAssembly(name))
            {
                AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
            }
        }

        return [.. shared.Keys.Where(n => !string.Equals(n, AbstractionsName, StringComparison.OrdinalIgnoreCase))];
    }

    private static Assembly? Loaded(string name) =>
        AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => string.Equals(a.GetName().Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The contract assemblies and, transitively, the references of theirs that lie beside them.</summary>
    private static Dictionary<string, string> Closure(Dictionary<string, string> roots)
    {
        var result = new Dictionary<string, string>(roots, StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<string>(roots.Values);
        while (pending.TryDequeue(out var path))
        {
            foreach (var reference in AssemblyReferences.Read(path))
            {
                var beside = Path.Combine(Path.GetDirectoryName(path)!, reference + ".dll");
                if (!result.ContainsKey(reference) && Loaded(reference) is null && File.Exists(beside) && !IsHostAssembly(reference))
                {
                    result.Add(reference, beside);
                    pending.Enqueue(beside);
                }
            }
        }

        return result;
    }

    /// <summary>Whether the host has the assembly itself (the frameworks', or the CLI's own), so its copy is the one shared.</summary>
    private static bool IsHostAssembly(string name) => HostAssemblies.Value.Contains(name);

}

/// <summary>Bad usage found by a command itself: printed as <c>error usage: ...</c>, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
