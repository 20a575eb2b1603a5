using System.Security.Cryptography;
using System.Text;

namespace Hotplug.Scripting.CSharp;

/// <summary>
/// Builds of C# sources kept under the host's state folder by content hash, so a host that starts again does not compile
/// what it compiled before: <c>&lt;state&gt;/csharp-cache/&lt;key&gt;/plugin.dll</c>, <c>plugin.pdb</c> and <c>plugin.sha256</c>.
/// </summary>
/// <remarks>
/// The key covers everything the build depends on: each source's relative path and bytes, each reference's name and
/// module version id (the contract assemblies', the framework's and the manifest's), the compiler's version and the
/// build's own settings. Each file is written to a temporary name and renamed, the record of the build's hashes last:
/// an entry without its record is not there, and one whose files do not have the recorded hashes is built again.
/// </remarks>
internal sealed class CompileCache(string folder)
{
    private const string ImageName = "plugin.dll";
    private const string SymbolsName = "plugin.pdb";
    private const string RecordName = "plugin.sha256";

    /// <summary>The version of what the key covers; bump it when the build's settings change.</summary>
    private const string Format = "hotplug-csharp-build/1";

    /// <summary>Gets the cache folder.</summary>
    public string Folder { get; } = folder;

    /// <summary>Computes the key of a build.</summary>
    /// <param name="sources">The sources, by relative path, with their bytes.</param>
    /// <param name="references">What the build compiles against.</param>
    /// <returns>The key: 64 hex digits.</returns>
    public static string Key(IReadOnlyList<(string Path, byte[] Bytes)> sources, IReadOnlyList<CompileReference> references)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add(Format);
        Add(SourceCompiler.CompilerVersion);
        Add(string.Join(";", SourceCompiler.GlobalUsings));
        foreach (var (path, bytes) in sources)
        {
            Add($"source {path} {Convert.ToHexStringLower(SHA256.HashData(bytes))}");
        }

        foreach (var reference in references)
        {
            Add($"reference {reference.Name} {reference.Mvid:N}");
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Reads a cached build whose files have the hashes recorded beside them.</summary>
    /// <param name="key">The build's key.</param>
    /// <param name="corrupt">Whether an entry was there but did not match its record (it is then built again).</param>
    /// <returns>The build, or <see langword="null"/> when there is none that can be trusted.</returns>
    public SourceBuild? TryRead(string key, out bool corrupt)
    {
        corrupt = false;
        var entry = Path.Combine(Folder, key);
        string[] record;
        try
        {
            record = File.ReadAllLines(Path.Combine(entry, RecordName));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            var image = File.ReadAllBytes(Path.Combine(entry, ImageName));
            var symbols = File.ReadAllBytes(Path.Combine(entry, SymbolsName));
            if (record.Length >= 2 && record[0] == Line(ImageName, image) && record[1] == Line(SymbolsName, symbols))
            {
                return new SourceBuild(image, symbols);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file missing or unreadable: as untrustworthy as one that changed.
        }

        corrupt = true;
        return null;
    }

    /// <summary>Stores a build under its key, each file written whole before it gets its name.</summary>
    /// <param name="key">The build's key.</param>
    /// <param name="build">The build.</param>
    public void Write(string key, SourceBuild build)
    {
        var entry = Path.Combine(Folder, key);
        Directory.CreateDirectory(entry);

        // The record goes first out of the way: an entry is not there until its record is written again, last.
        File.Delete(Path.Combine(entry, RecordName));
        WriteAtomically(Path.Combine(entry, ImageName), build.Image);
        WriteAtomically(Path.Combine(entry, SymbolsName), build.Symbols);
        var record = Line(ImageName, build.Image) + "\n" + Line(SymbolsName, build.Symbols) + "\n";
        WriteAtomically(Path.Combine(entry, RecordName), Encoding.UTF8.GetBytes(record));
    }

    private static string Line(string name, byte[] bytes) => $"{Convert.ToHexStringLower(SHA256.HashData(bytes))}  {name}";

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
            {
                stream.Write(bytes);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
