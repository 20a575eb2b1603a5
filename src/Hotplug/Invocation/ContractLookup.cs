using System.Reflection;
using System.Runtime.Loader;

namespace Hotplug.Invocation;

/// <summary>Finds the host's contract interfaces by contract name, for calls by name that reach a contract a version lists but has not handed out yet.</summary>
internal static class ContractLookup
{
    private const string AbstractionsName = "Hotplug.Abstractions";

    /// <summary>
    /// Finds the contract interfaces named <paramref name="names"/> among the assemblies loaded in the host's own
    /// load context that can declare one (those that reference <c>Hotplug.Abstractions</c>).
    /// </summary>
    /// <param name="names">Contract names, such as <c>ranking/v1</c>.</param>
    /// <returns>The contract interfaces found; names the host has no interface for are left out.</returns>
    public static IEnumerable<Type> Find(IEnumerable<string> names)
    {
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            yield break;
        }

        foreach (var assembly in AssemblyLoadContext.Default.Assemblies.Where(a => !a.IsDynamic && CanDeclareContracts(a)))
        {
            Type[] types;
            try
            {
                types = assembly.GetExportedTypes();
            }
            catch (Exception ex) when (ex is ReflectionTypeLoadException or FileNotFoundException or NotSupportedException)
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

    private static bool CanDeclareContracts(Assembly assembly) =>
        assembly.GetName().Name == AbstractionsName ||
        assembly.GetReferencedAssemblies().Any(r => string.Equals(r.Name, AbstractionsName, StringComparison.Ordinal));
}
