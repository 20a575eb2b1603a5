using Hotplug.Packaging;

namespace RankingService;

/// <summary>
/// The plugin packages the build laid out beside the service, signed with a development key the demo
/// generates, so the host runs in its default mode: only signed packages load.
/// </summary>
internal static class DemoPlugins
{
    public static string Packages => Path.Combine(AppContext.BaseDirectory, "packages");

    /// <summary>Creates the development signing key once, and makes the host trust it.</summary>
    public static SigningKey DevelopmentKey(string demoRoot, string statePath)
    {
        var basePath = Path.Combine(demoRoot, "dev-signing");
        var key = File.Exists(basePath + ".key") ? SigningKey.Load(basePath + ".key") : Save(SigningKey.Generate(), basePath);
        var trust = Path.Combine(statePath, "trust");
        Directory.CreateDirectory(trust);
        File.WriteAllText(Path.Combine(trust, "dev-signing.pub"), key.PublicKeyPem);
        return key;
    }

    /// <summary>Seeds an empty plugins folder with ranker 1.0.0, popular and longtail (a process plugin), as a first deployment would.</summary>
    public static void SeedIfEmpty(string pluginsPath, SigningKey key)
    {
        if (Directory.Exists(pluginsPath) && Directory.EnumerateFileSystemEntries(pluginsPath).Any())
        {
            return;
        }

        Ship("ranker-v1", pluginsPath, "ranker", key);
        Ship("popular", pluginsPath, "popular", key);
        Ship("longtail", pluginsPath, "longtail", key);
    }

    /// <summary>Ships ranker 2.0.0 by copying it, signed, over the running plugin's folder, in place.</summary>
    public static void UpgradeRanker(string pluginsPath, SigningKey key) => Ship("ranker-v2", pluginsPath, "ranker", key);

    /// <summary>Signs a copy of a package in a hidden folder (the host ignores those), then copies it over the plugin's folder.</summary>
    private static void Ship(string package, string pluginsPath, string name, SigningKey key)
    {
        var source = Path.Combine(Packages, package);
        if (!Directory.Exists(source))
        {
            throw new DirectoryNotFoundException($"Plugin package {source} is missing: build the RankingService project, which lays the packages out.");
        }

        var incoming = Path.Combine(pluginsPath, ".incoming-" + name);
        var target = Path.Combine(pluginsPath, name);
        Copy(source, incoming);
        PluginPackager.WriteFileList(incoming);
        PluginPackager.Sign(incoming, key);
        Copy(incoming, target);
        foreach (var stale in Directory.GetFiles(target).Where(f => !File.Exists(Path.Combine(incoming, Path.GetFileName(f)))))
        {
            File.Delete(stale);
        }

        Directory.Delete(incoming, recursive: true);
    }

    private static void Copy(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }

    private static SigningKey Save(SigningKey key, string basePath)
    {
        key.Save(basePath);
        return key;
    }
}
