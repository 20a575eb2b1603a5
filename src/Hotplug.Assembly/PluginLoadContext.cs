using System.Reflection;
using System.Runtime.Loader;

namespace Hotplug.Loading;

/// <summary>
/// One collectible load context per plugin version. Shared assemblies resolve to the host's copies;
/// everything else resolves from the plugin's own folder through its <c>.deps.json</c>, native libraries included.
/// </summary>
/// <remarks>
/// Returning <see langword="null"/> from <see cref="Load"/> defers to the default context, which is how the
/// runtime shares an assembly (see the AssemblyLoadContext docs on "resolution algorithm").
/// </remarks>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;
    private readonly SharedAssemblyPolicy _shared;
    private readonly string _folder;

    public PluginLoadContext(string name, string entryAssemblyPath, SharedAssemblyPolicy shared)
        : base(name, isCollectible: true)
    {
        _resolver = new AssemblyDependencyResolver(entryAssemblyPath);
        _shared = shared;
        _folder = Path.GetDirectoryName(entryAssemblyPath)!;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null || _shared.IsShared(assemblyName.Name))
        {
            return null;
        }

        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        if (path is null)
        {
            // A plugin built without a .deps.json still brings its libraries beside its entry assembly.
            var candidate = Path.Combine(_folder, assemblyName.Name + ".dll");
            path = File.Exists(candidate) ? candidate : null;
        }

        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
