namespace Hotplug.Process.Tests;

/// <summary>The repository these tests were built from, for rules about its sources.</summary>
internal static class Repository
{
    /// <summary>The folder that holds Hotplug.slnx, above the test's output folder.</summary>
    public static string Root()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Hotplug.slnx")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("The repository root (Hotplug.slnx) is not above the test's folder.");
    }

    /// <summary>The projects each project of the repository references, by project name.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ProjectReferences()
    {
        var root = Root();
        var ignored = new[] { "bin", "obj", "artifacts", ".git" };
        return Directory.GetFiles(root, "*.csproj", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(ignored.Contains))

            // The templates' projects are what `dotnet new` writes into a user's folder, not projects of this repository.
            .Where(f => !Path.GetRelativePath(root, f).StartsWith(Path.Combine("templates", "content"), StringComparison.Ordinal))
            .ToDictionary(
                f => Path.GetFileNameWithoutExtension(f),
                f => (IReadOnlyList<string>)System.Xml.Linq.XDocument.Load(f).Descendants("ProjectReference")
                    .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
                    .ToList());
    }
}
