namespace RankingService;

/// <summary>The plugin packages the build laid out beside the service, and the demo's live upgrade.</summary>
internal static class DemoPlugins
{
    public static string Packages => Path.Combine(AppContext.BaseDirectory, "packages");

    /// <summary>Seeds an empty plugins folder with ranker 1.0.0 and popular, as a first deployment would.</summary>
    public static void SeedIfEmpty(string pluginsPath)
    {
        if (Directory.Exists(pluginsPath) && Directory.EnumerateFileSystemEntries(pluginsPath).Any())
        {
            return;
        }

        Copy(Path.Combine(Packages, "ranker-v1"), Path.Combine(pluginsPath, "ranker"));
        Copy(Path.Combine(Packages, "popular"), Path.Combine(pluginsPath, "popular"));
    }

    /// <summary>Ships ranker 2.0.0 by copying it over the running plugin's folder, in place.</summary>
    public static void UpgradeRanker(string pluginsPath)
    {
        var source = Path.Combine(Packages, "ranker-v2");
        var target = Path.Combine(pluginsPath, "ranker");
        Copy(source, target);
        foreach (var stale in Directory.GetFiles(target).Where(f => !File.Exists(Path.Combine(source, Path.GetFileName(f)))))
        {
            File.Delete(stale);
        }
    }

    private static void Copy(string source, string target)
    {
        if (!Directory.Exists(source))
        {
            throw new DirectoryNotFoundException($"Plugin package {source} is missing: build the RankingService project, which lays the packages out.");
        }

        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }
}
