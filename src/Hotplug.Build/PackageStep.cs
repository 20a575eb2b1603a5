using Hotplug.Manifest;
using Hotplug.Packaging;
using Hotplug.Runtimes;

namespace Hotplug.Build;

/// <summary>
/// The pack step: the plugin folder the build made, listed and signed by the host's packer into
/// <c>&lt;id&gt;-&lt;version&gt;.zip</c>, as <c>hotplug pack</c> makes it.
/// </summary>
internal static class PackageStep
{
    /// <summary>Packs <paramref name="folder"/> into <paramref name="outFolder"/>.</summary>
    /// <param name="source">The project's manifest, which errors name.</param>
    /// <param name="folder">The build or publish output: a plugin folder with its <c>plugin.json</c>.</param>
    /// <param name="outFolder">Where the zip goes (the project's pack folder).</param>
    /// <param name="staging">
    /// A folder of the project's own (under <c>obj/</c>) the package is made in: the packer writes the file list and
    /// signature into the manifest it packs, and the build output stays a folder the next build can update.
    /// </param>
    /// <param name="keyPath">The private key (<c>.key</c>), or <see langword="null"/> for an unsigned package.</param>
    /// <param name="runtimes">The runtimes that check the manifest's <c>entry</c>.</param>
    /// <returns>What was written.</returns>
    public static PackResult Run(string source, string folder, string outFolder, string staging, string? keyPath, IReadOnlyList<IPluginRuntime> runtimes)
    {
        if (!File.Exists(Path.Combine(folder, PluginManifest.FileName)))
        {
            throw new PluginManifestException(ManifestErrors.Unreadable, source, null, $"is not in the output folder {folder}: build the project before packing it.", null);
        }

        staging = Path.GetFullPath(staging);
        var content = Path.Combine(staging, "plugin");
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Copy(Path.GetFullPath(folder), content);
        ManifestStep.Check(source, Path.Combine(content, PluginManifest.FileName), content, runtimes);
        using var key = string.IsNullOrEmpty(keyPath) ? null : SigningKey.Load(keyPath);
        var packed = PluginPackager.Pack(content, Path.Combine(staging, "package.zip"), key, runtimes);
        Directory.CreateDirectory(outFolder);
        var zip = Path.GetFullPath(Path.Combine(outFolder, $"{packed.Id}-{packed.Version}.zip"));
        File.Move(packed.ZipPath, zip, overwrite: true);
        return packed with { ZipPath = zip };
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);

            // A signature of an earlier package would not match the manifest this one lists its files in.
            if (relative == PackageSignature.FileName)
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
