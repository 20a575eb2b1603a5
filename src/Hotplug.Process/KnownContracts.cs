using Hotplug.Contracts;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;

namespace Hotplug.Process;

/// <summary>
/// Finds the contract interfaces a process plugin's manifest names, for calls by name that no caller's
/// <c>Get&lt;T&gt;</c> taught the host: first among the host's own assemblies, else in the contract assembly the
/// plugin ships in its folder, loaded into a collectible context the version owns and unloads when it is released.
/// </summary>
internal sealed class KnownContracts : IDisposable
{
    private const string AbstractionsName = "Hotplug.Abstractions";
    private const string AttributeNamespace = "Hotplug";
    private const string AttributeName = "PluginContractAttribute";

    private FolderContext? _context;

    private KnownContracts(IReadOnlyDictionary<string, Type> found)
    {
        Found = found;
    }

    /// <summary>Gets the interfaces found, by contract name.</summary>
    public IReadOnlyDictionary<string, Type> Found { get; }

    /// <summary>Finds the interfaces of <paramref name="names"/>: in the host's load context, else in <paramref name="folder"/>.</summary>
    /// <param name="names">Contract names, such as <c>ranking/v1</c>.</param>
    /// <param name="folder">The plugin's folder (its store copy).</param>
    /// <returns>What was found; names neither the host nor the folder has an interface for are left out.</returns>
    public static KnownContracts Find(IReadOnlyCollection<string> names, string folder)
    {
        var found = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var (name, type) in LoadedContracts.Find(names))
        {
            found.TryAdd(name, type);
        }

        var missing = names.Where(n => !found.ContainsKey(n)).ToHashSet(StringComparer.Ordinal);
        FolderContext? context = null;
        foreach (var path in missing.Count == 0 ? [] : AssembliesDeclaring(missing, folder))
        {
            context ??= new FolderContext(folder);
            Assembly assembly;
            try
            {
                assembly = context.LoadFromAssemblyPath(path);
            }
            catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or FileNotFoundException)
            {
                continue;
            }

            foreach (var (name, type) in LoadedContracts.Declared(assembly, missing))
            {
                found.TryAdd(name, type);
            }
        }

        return new KnownContracts(found) { _context = context };
    }

    /// <summary>Unloads the contract assemblies loaded from the plugin's folder.</summary>
    public void Dispose()
    {
        _context?.Unload();
        _context = null;
    }

    /// <summary>
    /// The assemblies of <paramref name="folder"/> that declare one of <paramref name="names"/>, read as metadata
    /// only: only those that reference <c>Hotplug.Abstractions</c> are looked into, and none is loaded.
    /// </summary>
    private static List<string> AssembliesDeclaring(HashSet<string> names, string folder)
    {
        var paths = new List<string>();
        if (!Directory.Exists(folder))
        {
            return paths;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*.dll", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal))
        {
            try
            {
                using var stream = File.OpenRead(path);
                using var pe = new PEReader(stream);
                if (!pe.HasMetadata)
                {
                    continue;
                }

                var reader = pe.GetMetadataReader();
                if (reader.IsAssembly && ReferencesAbstractions(reader) && DeclaresAny(reader, names))
                {
                    paths.Add(path);
                }
            }
            catch (Exception ex) when (ex is BadImageFormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Not an assembly, or one that cannot be read: it declares no contract the host can use.
            }
        }

        return paths;
    }

    private static bool ReferencesAbstractions(MetadataReader reader) =>
        reader.AssemblyReferences.Any(r => reader.StringComparer.Equals(reader.GetAssemblyReference(r).Name, AbstractionsName));

    private static bool DeclaresAny(MetadataReader reader, HashSet<string> names)
    {
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            if ((type.Attributes & TypeAttributes.Interface) == 0)
            {
                continue;
            }

            foreach (var attributeHandle in type.GetCustomAttributes())
            {
                var attribute = reader.GetCustomAttribute(attributeHandle);
                if (IsContractAttribute(reader, attribute) && ContractName(reader, attribute) is { } name && names.Contains(name))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsContractAttribute(MetadataReader reader, CustomAttribute attribute)
    {
        if (attribute.Constructor.Kind != HandleKind.MemberReference)
        {
            return false;
        }

        var parent = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
        if (parent.Kind != HandleKind.TypeReference)
        {
            return false;
        }

        var type = reader.GetTypeReference((TypeReferenceHandle)parent);
        return reader.StringComparer.Equals(type.Name, AttributeName) && reader.StringComparer.Equals(type.Namespace, AttributeNamespace);
    }

    /// <summary>Reads the attribute's first argument, the contract name (a blob: prolog 0x0001, then a serialized string).</summary>
    private static string? ContractName(MetadataReader reader, CustomAttribute attribute)
    {
        var blob = reader.GetBlobReader(attribute.Value);
        return blob.Length >= 2 && blob.ReadUInt16() == 1 ? blob.ReadSerializedString() : null;
    }

    /// <summary>
    /// A collectible context for a plugin's contract assemblies: what the host has (<c>Hotplug.Abstractions</c>
    /// above all, so the contract's attribute and types are the host's) comes from the host; the rest from the folder.
    /// </summary>
    private sealed class FolderContext(string folder) : AssemblyLoadContext($"contracts:{folder}", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            try
            {
                _ = Default.LoadFromAssemblyName(assemblyName);
                return null;
            }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException)
            {
                var path = Path.Combine(folder, assemblyName.Name + ".dll");
                return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
            }
        }
    }
}
