using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Hotplug.Loading;

/// <summary>
/// Reads the names of the assemblies a file references from its metadata, without loading it. One file compiled into
/// the assembly runtime (what the host shares) and the CLI (what <c>--contracts</c> brings with it).
/// </summary>
internal static class AssemblyReferences
{
    /// <summary>The simple names of the assemblies <paramref name="path"/> references; none for a file that is not a .NET assembly or cannot be read.</summary>
    public static string[] Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                return [];
            }

            var reader = pe.GetMetadataReader();
            return [.. reader.AssemblyReferences.Select(h => reader.GetString(reader.GetAssemblyReference(h).Name))];
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
