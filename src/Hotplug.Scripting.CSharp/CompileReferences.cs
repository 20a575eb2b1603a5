using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using Hotplug.Contracts;
using Microsoft.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Hotplug.Scripting.CSharp;

/// <summary>One assembly a build compiles against: its simple name, its file, and its module version id.</summary>
/// <param name="Name">The simple name.</param>
/// <param name="Path">The file.</param>
/// <param name="Mvid">The module version id, which changes whenever the assembly is rebuilt differently.</param>
internal sealed record CompileReference(string Name, string Path, Guid Mvid);

/// <summary>
/// What a C# source plugin compiles against, and nothing else: <see cref="Framework"/> from the running shared
/// framework, <c>Hotplug.Abstractions</c> with the assemblies its API uses, the assemblies that declare the
/// manifest's contracts, and the manifest's <c>references</c>.
/// </summary>
/// <remarks>
/// This narrows what compiles; it is not a sandbox. <c>System.Private.CoreLib</c> is on the list (the shared
/// framework's <c>System.Runtime</c> forwards to it), so what it holds — files, environment, reflection — compiles.
/// </remarks>
internal static class CompileReferences
{
    /// <summary>The assemblies of the running shared framework every build gets, by simple name.</summary>
    public static readonly IReadOnlyList<string> Framework =
    [
        "System.Private.CoreLib",
        "System.Runtime",
        "System.Collections",
        "System.Collections.Concurrent",
        "System.Linq",
        "System.Memory",
        "System.ObjectModel",
        "System.Runtime.Numerics",
        "System.Text.Encoding.Extensions",
        "System.Text.RegularExpressions",
        "System.Threading",
        "System.Threading.Channels",
        "System.Threading.Tasks",
        "System.ComponentModel",
        "System.ComponentModel.Primitives",
    ];

    private static readonly string FrameworkDirectory = RuntimeEnvironment.GetRuntimeDirectory();
    private static readonly ConcurrentDictionary<string, MetadataReference> Metadata = new(StringComparer.Ordinal);
    private static readonly Lazy<Dictionary<string, string>> HostAssemblies = new(ReadTrustedPlatformAssemblies);

    /// <summary>Gets the assemblies the host's plugin API is made of: <c>Hotplug.Abstractions</c> and what its public types use.</summary>
    private static IEnumerable<Assembly> Api =>
    [
        typeof(IPlugin).Assembly,
        typeof(IConfiguration).Assembly,
        typeof(ILogger).Assembly,
        typeof(StringValues).Assembly,
    ];

    /// <summary>Finds everything a plugin's build compiles against.</summary>
    /// <param name="contracts">The manifest's contracts: each must be declared by an assembly the host has.</param>
    /// <param name="references">The manifest's <c>references</c>.</param>
    /// <param name="packageFolder">The plugin's folder, where a reference the host does not have may be.</param>
    /// <param name="pluginId">The plugin, for errors.</param>
    /// <returns>The references, each once, in a stable order.</returns>
    /// <exception cref="PluginStartException">A contract or reference cannot be found.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Contract interfaces are found among the host's loaded assemblies, as every runtime without CLR types does.")]
    public static IReadOnlyList<CompileReference> Find(IReadOnlyList<string> contracts, IReadOnlyList<string> references, string packageFolder, string pluginId)
    {
        var found = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in Framework)
        {
            var path = Path.Combine(FrameworkDirectory, name + ".dll");
            if (File.Exists(path))
            {
                found[name] = path;
            }
        }

        foreach (var assembly in Api)
        {
            found[assembly.GetName().Name!] = assembly.Location;
        }

        var known = LoadedContracts.Find(contracts);
        foreach (var contract in contracts)
        {
            if (!known.TryGetValue(contract, out var type))
            {
                throw new PluginStartException($"contract '{contract}' is not declared by any assembly this host has: a C# source plugin compiles against the host's contract assemblies, so the application must reference the one that declares it.", pluginId);
            }

            found[type.Assembly.GetName().Name!] = type.Assembly.Location;
        }

        for (var i = 0; i < references.Count; i++)
        {
            var name = references[i];
            var local = Path.Combine(packageFolder, name + ".dll");
            found[name] = HostAssemblies.Value.TryGetValue(name, out var path) ? path
                : File.Exists(local) ? local
                : throw new PluginStartException($"entry.references[{i}] '{name}' is neither an assembly of the host (its shared framework or its application) nor a file {name}.dll in the plugin folder.", pluginId);
        }

        return [.. found.Select(f => new CompileReference(f.Key, f.Value, ReadMvid(f.Value, pluginId)))];
    }

    /// <summary>Gets Roslyn's reference to <paramref name="reference"/>; the host's own are read once and kept.</summary>
    public static MetadataReference ToMetadata(CompileReference reference, string packageFolder) =>
        reference.Path.StartsWith(packageFolder, StringComparison.Ordinal)
            ? MetadataReference.CreateFromFile(reference.Path)
            : Metadata.GetOrAdd(reference.Path + "|" + reference.Mvid, static (_, path) => MetadataReference.CreateFromFile(path), reference.Path);

    private static Guid ReadMvid(string path, string pluginId)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            var reader = pe.GetMetadataReader();
            return reader.GetGuid(reader.GetModuleDefinition().Mvid);
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new PluginStartException($"{Path.GetFileName(path)} cannot be compiled against: {ex.Message}", pluginId, ex);
        }
    }

    private static Dictionary<string, string> ReadTrustedPlatformAssemblies()
    {
        // The shared frameworks' assemblies and the application's own (from its .deps.json).
        var list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            result.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        }

        return result;
    }
}
