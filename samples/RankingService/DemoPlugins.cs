using Hotplug.Packaging;

namespace RankingService;

/// <summary>
/// The plugin packages the build laid out beside the service, signed with a development key the demo
/// generates, so the host runs in its default mode: only signed packages load. Every run deploys them from
/// the build it runs from.
/// </summary>
internal static class DemoPlugins
{
    public static string Packages => Path.Combine(AppContext.BaseDirectory, "packages");

    /// <summary>
    /// Creates the development signing key on the first run (it stays in the demo's folder, never in the
    /// repository), and makes the host trust it.
    /// </summary>
    public static SigningKey DevelopmentKey(string demoRoot, string statePath)
    {
        var basePath = Path.Combine(demoRoot, "dev-signing");
        var key = File.Exists(basePath + ".key") ? SigningKey.Load(basePath + ".key") : Save(SigningKey.Generate(), basePath);
        var trust = Path.Combine(statePath, "trust");
        Directory.CreateDirectory(trust);
        File.WriteAllText(Path.Combine(trust, "dev-signing.pub"), key.PublicKeyPem);
        return key;
    }

    /// <summary>
    /// Deploys ranker 1.0.0, popular and longtail (a process plugin) from the current build, as a first deployment
    /// would, on every run: what an earlier run left in the plugins folder (ranker 2.0.0, an edited or tampered
    /// copy, binaries of an older build) would otherwise be what runs. The host's record of what it ran
    /// (<c>versions.json</c>) and its store start afresh with them, or it would refuse ranker 1.0.0 as a downgrade
    /// from the 2.0.0 an earlier run shipped. Other folders in the plugins folder are left alone.
    /// </summary>
    public static void Seed(string pluginsPath, string statePath, SigningKey key)
    {
        foreach (var (package, name) in new[] { ("ranker-v1", "ranker"), ("popular", "popular"), ("longtail", "longtail"), ("lua-ranker", "lua-ranker"), ("js-ranker", "js-ranker"), ("fleet-ranker", "fleet-ranker") })
        {
            var target = Path.Combine(pluginsPath, name);
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }

            Ship(package, pluginsPath, name, key);
        }

        File.Delete(Path.Combine(statePath, "versions.json"));
        var store = Path.Combine(statePath, "store");
        if (Directory.Exists(store))
        {
            Directory.Delete(store, recursive: true);
        }
    }

    /// <summary>Ships ranker 2.0.0 by copying it, signed, over the running plugin's folder, in place.</summary>
    public static void UpgradeRanker(string pluginsPath, SigningKey key) => Ship("ranker-v2", pluginsPath, "ranker", key);

    /// <summary>Signs a copy of a package in a hidden folder (the host ignores those), then copies it over the plugin's folder.</summary>
    /// <summary>
    /// Edits the Lua ranker's rule in place, as a developer saving <c>rank.lua</c> would: the rule becomes "score only".
    /// The edit is made on a hidden copy, signed (this demo's host requires signed packages) and copied over the
    /// plugin's folder, so the host sees one whole new build.
    /// </summary>
    public static void EditLuaRanker(string pluginsPath, SigningKey key)
    {
        var target = Path.Combine(pluginsPath, "lua-ranker");
        var incoming = Path.Combine(pluginsPath, ".incoming-lua-ranker");
        Copy(target, incoming);
        var script = Path.Combine(incoming, "rank.lua");
        var edited = File.ReadAllText(script)
            .Replace("local RULE = \"score + popularity\"", "local RULE = \"score only\"", StringComparison.Ordinal)
            .Replace("local BOOST = tonumber(config.boost) or 0.5", "local BOOST = 0", StringComparison.Ordinal);
        File.WriteAllText(script, edited);
        PluginPackager.WriteFileList(incoming);
        PluginPackager.Sign(incoming, key);
        Copy(incoming, target);
        Directory.Delete(incoming, recursive: true);
    }

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
