using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;

namespace Hotplug.Contracts;

/// <summary>
/// Finds contract interfaces by their contract name among the assemblies the host has loaded: what a runtime whose
/// plugins name contracts but bring no CLR types (a process, a script, a bus) uses to learn their interfaces.
/// </summary>
[RequiresUnreferencedCode("Contract interfaces are found by reading the loaded assemblies' types.")]
public static class LoadedContracts
{
    private const string AbstractionsName = "Hotplug.Abstractions";

    /// <summary>Finds the interfaces that carry <c>[PluginContract(name)]</c> for each of <paramref name="names"/> in the host's load context.</summary>
    /// <param name="names">Contract names, such as <c>ranking/v1</c>.</param>
    /// <returns>
    /// The interfaces found, by contract name, among the assemblies loaded, else among those the application's entry
    /// assembly references (loaded then); a name none of them declares is left out.
    /// </returns>
    public static IReadOnlyDictionary<string, Type> Find(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        var found = new Dictionary<string, Type>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return found;
        }

        foreach (var assembly in AssemblyLoadContext.Default.Assemblies.Where(a => !a.IsDynamic && CanDeclareContracts(a)))
        {
            foreach (var (name, type) in Declared(assembly, wanted))
            {
                found.TryAdd(name, type);
            }
        }

        if (found.Count < wanted.Count)
        {
            // A contract assembly the application references but has not used yet is not loaded: load those it references directly.
            foreach (var assembly in NotYetLoaded())
            {
                foreach (var (name, type) in Declared(assembly, wanted))
                {
                    found.TryAdd(name, type);
                }
            }
        }

        return found;
    }

    private static IEnumerable<Assembly> NotYetLoaded()
    {
        var loaded = AssemblyLoadContext.Default.Assemblies.Select(a => a.GetName().Name).ToHashSet(StringComparer.Ordinal);
        foreach (var reference in Assembly.GetEntryAssembly()?.GetReferencedAssemblies() ?? [])
        {
            if (loaded.Contains(reference.Name))
            {
                continue;
            }

            Assembly assembly;
            try
            {
                assembly = AssemblyLoadContext.Default.LoadFromAssemblyName(reference);
            }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                continue;
            }

            if (CanDeclareContracts(assembly))
            {
                yield return assembly;
            }
        }
    }

    /// <summary>Returns the contract interfaces <paramref name="assembly"/> declares among <paramref name="wanted"/>.</summary>
    /// <param name="assembly">An assembly.</param>
    /// <param name="wanted">The contract names looked for.</param>
    /// <returns>Each name with its interface.</returns>
    public static IEnumerable<(string Name, Type Type)> Declared(Assembly assembly, IReadOnlySet<string> wanted)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(wanted);
        Type[] types;
        try
        {
            types = assembly.GetExportedTypes();
        }
        catch (Exception ex) when (ex is ReflectionTypeLoadException or FileNotFoundException or FileLoadException or NotSupportedException)
        {
            yield break;
        }

        foreach (var type in types)
        {
            if (type.IsInterface && type.GetCustomAttribute<PluginContractAttribute>() is { } attribute && wanted.Contains(attribute.Name))
            {
                yield return (attribute.Name, type);
            }
        }
    }

    private static bool CanDeclareContracts(Assembly assembly) =>
        assembly.GetName().Name == AbstractionsName ||
        assembly.GetReferencedAssemblies().Any(r => string.Equals(r.Name, AbstractionsName, StringComparison.Ordinal));
}
