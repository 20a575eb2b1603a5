namespace Hotplug.Packaging;

/// <summary>
/// Where <see cref="PluginPackager.Pack"/> may write its zip. Never inside the package folder (the zip would become a
/// file of the package, and make it fail verification); by default the current folder, unless that is the package
/// folder or the folder that holds it: a plugins folder, perhaps one a host watches, takes every zip in it for a
/// package, so writing there must be asked for by name.
/// </summary>
internal static class PackOutput
{
    /// <summary>Checks where the zip would go, before anything is written.</summary>
    /// <param name="folder">The package folder.</param>
    /// <param name="zipPath">The zip asked for, or <see langword="null"/> for the current folder.</param>
    /// <returns>The zip's full path, or <see langword="null"/> when it goes into the current folder (named once the manifest is read).</returns>
    /// <exception cref="PluginException">The zip would go inside the package folder, or by default beside it.</exception>
    public static string? Check(string folder, string? zipPath)
    {
        var package = Path.GetFullPath(folder);
        if (zipPath is not null)
        {
            var full = Path.GetFullPath(zipPath);
            if (IsInside(full, package))
            {
                throw new PluginException($"the zip {zipPath} would be inside the package folder {folder}, and so part of the package: write it outside that folder.");
            }

            return full;
        }

        var here = Path.GetFullPath(Environment.CurrentDirectory);
        if (IsInside(here, package) || SamePath(here, Path.GetDirectoryName(package)))
        {
            throw new PluginException($"the zip would be written into the current folder {here}, which {(SamePath(here, Path.GetDirectoryName(package)) ? "holds" : "is, or is inside,")} the package folder {folder}: a host watching it would take the zip for a package. Name the zip to write (--out <file.zip>), or run this from another folder.");
        }

        return null;
    }

    private static bool IsInside(string path, string folder) =>
        SamePath(path, folder) || path.StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static bool SamePath(string a, string? b) =>
        b is not null && string.Equals(Path.TrimEndingDirectorySeparator(a), Path.TrimEndingDirectorySeparator(b), StringComparison.Ordinal);
}
