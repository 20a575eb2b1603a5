using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;

namespace Hotplug.Loading;

/// <summary>
/// Decides which assemblies a plugin shares with the host (one type identity) and which stay private to it.
/// </summary>
/// <remarks>
/// Shared: <c>Hotplug.Abstractions</c>, the names in <see cref="HotplugOptions.SharedAssemblies"/>, and every
/// assembly the host itself has that references <c>Hotplug.Abstractions</c> — contract assemblies, and the
/// assemblies that declare exported host services next to them. Everything else a plugin brings is
/// private to it, so two plugins can use two versions of the same library.
/// </remarks>
internal sealed class SharedAssemblyPolicy
{
    private const string AbstractionsName = "Hotplug.Abstractions";

    private readonly HashSet<string> _explicit;
    private readonly Dictionary<string, string> _hostAssemblies;
    private readonly ConcurrentDictionary<string, bool> _decisions = new(StringComparer.OrdinalIgnoreCase);

    public SharedAssemblyPolicy(IEnumerable<string> sharedAssemblies)
    {
        _explicit = new HashSet<string>(sharedAssemblies, StringComparer.OrdinalIgnoreCase) { AbstractionsName };
        _hostAssemblies = ReadTrustedPlatformAssemblies();
    }

    /// <summary>Gets the names of the host's assemblies that are shared and currently loaded.</summary>
    public IEnumerable<Assembly> LoadedSharedAssemblies =>
        AssemblyLoadContext.Default.Assemblies.Where(a => a.GetName().Name is { } name && IsShared(name));

    /// <summary>Finds the contract interfaces with the given names among the host's loaded shared assemblies.</summary>
    public IEnumerable<Type> FindContracts(IEnumerable<string> names)
    {
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            yield break;
        }

        foreach (var assembly in LoadedSharedAssemblies)
        {
            Type[] types;
            try
            {
                types = assembly.GetExportedTypes();
            }
            catch (Exception ex) when (ex is ReflectionTypeLoadException or FileNotFoundException)
            {
                continue;
            }

            foreach (var type in types)
            {
                if (type.IsInterface && type.GetCustomAttribute<PluginContractAttribute>() is { } attribute && wanted.Contains(attribute.Name))
                {
                    yield return type;
                }
            }
        }
    }

    public bool IsShared(string assemblyName) => _decisions.GetOrAdd(assemblyName, Decide);

    private bool Decide(string name)
    {
        if (_explicit.Contains(name))
        {
            return true;
        }

        var loaded = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => string.Equals(a.GetName().Name, name, StringComparison.OrdinalIgnoreCase));
        if (loaded is not null)
        {
            return ReferencesAbstractions(loaded.GetReferencedAssemblies());
        }

        if (!_hostAssemblies.TryGetValue(name, out var path))
        {
            return false;
        }

        try
        {
            return ReferencesAbstractions(ReadReferences(path));
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException)
        {
            return false;
        }
    }

    private static bool ReferencesAbstractions(IEnumerable<AssemblyName> references) =>
        references.Any(r => string.Equals(r.Name, AbstractionsName, StringComparison.OrdinalIgnoreCase));

    private static AssemblyName[] ReadReferences(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var reader = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        return [.. reader.AssemblyReferences.Select(h => reader.GetAssemblyReference(h).GetAssemblyName())];
    }

    private static Dictionary<string, string> ReadTrustedPlatformAssemblies()
    {
        // The host's own assemblies (from its .deps.json) are on the TPA list of a framework-dependent app.
        var list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            result.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        }

        return result;
    }
}
