using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Hotplug.Loading;

/// <summary>
/// Decides which assemblies a plugin shares with the host (one type identity) and which stay private to it.
/// </summary>
/// <remarks>
/// Shared: <c>Hotplug.Abstractions</c>, the names in <see cref="AssemblyRuntimeOptions.SharedAssemblies"/>, every
/// assembly of the host application that references <c>Hotplug.Abstractions</c> (contract assemblies, and the
/// assemblies that declare exported host services next to them), and everything those reference that the host
/// has — so <c>ILogger</c> or <c>IConfiguration</c> in a contract is the host's type even when a plugin brings
/// its own copy of the library. Everything else a plugin brings is private to it, so two plugins can use two
/// versions of the same library.
/// </remarks>
internal sealed class SharedAssemblyPolicy
{
    private const string AbstractionsName = "Hotplug.Abstractions";

    private readonly HashSet<string> _shared;

    public SharedAssemblyPolicy(IEnumerable<string> sharedAssemblies)
    {
        var host = ReadTrustedPlatformAssemblies();
        var roots = new HashSet<string>(sharedAssemblies, StringComparer.OrdinalIgnoreCase) { AbstractionsName };
        foreach (var (name, path) in host)
        {
            if (!IsFramework(path) &&
                AssemblyReferences.Read(path).Any(r => string.Equals(r, AbstractionsName, StringComparison.OrdinalIgnoreCase)))
            {
                roots.Add(name);
            }
        }

        // The closure of the roots' references, as far as the host has them.
        _shared = new HashSet<string>(roots, StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<string>(roots);
        while (pending.TryDequeue(out var name))
        {
            if (!host.TryGetValue(name, out var path))
            {
                continue;
            }

            foreach (var reference in AssemblyReferences.Read(path))
            {
                if (_shared.Add(reference))
                {
                    pending.Enqueue(reference);
                }
            }
        }
    }

    private static readonly string FrameworkRoot = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", ".."));

    /// <summary>Gets the application's own assemblies loaded in the default context (not the frameworks').</summary>
    public static IEnumerable<Assembly> LoadedApplicationAssemblies =>
        AssemblyLoadContext.Default.Assemblies.Where(a => !a.IsDynamic && !string.IsNullOrEmpty(a.Location) && !IsFramework(a.Location));

    /// <summary>Gets the host's shared assemblies that are loaded now.</summary>
    public IEnumerable<Assembly> LoadedSharedAssemblies =>
        AssemblyLoadContext.Default.Assemblies.Where(a => a.GetName().Name is { } name && _shared.Contains(name));

    public bool IsShared(string assemblyName) => _shared.Contains(assemblyName);

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

    private static bool IsFramework(string path) => Path.GetFullPath(path).StartsWith(FrameworkRoot, StringComparison.Ordinal);


    private static Dictionary<string, string> ReadTrustedPlatformAssemblies()
    {
        // A framework-dependent app's own assemblies (from its .deps.json) and the frameworks' are the TPA list.
        var list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            result.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        }

        return result;
    }
}
