using System.Reflection;
using System.Runtime.Loader;

namespace Hotplug.Loading;

/// <summary>
/// One collectible load context per plugin version. Shared assemblies resolve to the host's copies;
/// everything else resolves from the plugin's own folder through its <c>.deps.json</c>, native libraries included.
/// </summary>
/// <remarks>
/// A shared assembly is the default context's copy, found by name alone, so the version a plugin was built against
/// does not split one contract into two types; returning <see langword="null"/> from <see cref="Load"/> defers to the
/// default context's own resolution (see the AssemblyLoadContext docs on "resolution algorithm").
/// </remarks>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver? _resolver;
    private readonly SharedAssemblyPolicy _shared;
    private readonly string _folder;

    public PluginLoadContext(string name, string entryAssemblyPath, SharedAssemblyPolicy shared)
        : base(name, isCollectible: true)
    {
        _resolver = new AssemblyDependencyResolver(entryAssemblyPath);
        _shared = shared;
        _folder = Path.GetDirectoryName(entryAssemblyPath)!;
    }

    /// <summary>A context for an assembly loaded from memory, which has no <c>.deps.json</c>: its libraries are in <paramref name="libraryFolder"/>.</summary>
    /// <param name="name">The context's name.</param>
    /// <param name="shared">What the plugin shares with the host.</param>
    /// <param name="libraryFolder">Where the libraries it references that the host does not share are, by simple name (<c>Name.dll</c>).</param>
    public PluginLoadContext(string name, SharedAssemblyPolicy shared, string libraryFolder)
        : base(name, isCollectible: true)
    {
        _shared = shared;
        _folder = libraryFolder;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null)
        {
            return null;
        }

        if (_shared.IsShared(assemblyName.Name))
        {
            return HostCopy(assemblyName.Name);
        }

        var path = _resolver?.ResolveAssemblyToPath(assemblyName);
        if (path is null)
        {
            // A plugin built without a .deps.json still brings its libraries beside its entry assembly.
            var candidate = Path.Combine(_folder, assemblyName.Name + ".dll");
            path = File.Exists(candidate) ? candidate : null;
        }

        return path is null ? null : LoadFromAssemblyPath(path);
    }

    /// <summary>
    /// The host's copy of a shared assembly, whatever version the plugin was built against: a plugin whose contract
    /// library was built as 1.1.0 (a <c>-p:Version</c> that reached the referenced project too) still shares the
    /// host's 1.0.0, as the rule says: a host that has the assembly shares its own copy. <see langword="null"/> when the
    /// host has none, so the default context's own resolution runs (and says what is missing).
    /// </summary>
    private static Assembly? HostCopy(string name)
    {
        foreach (var loaded in Default.Assemblies)
        {
            if (string.Equals(loaded.GetName().Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return loaded;
            }
        }

        try
        {
            return Default.LoadFromAssemblyName(new AssemblyName(name));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver?.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
