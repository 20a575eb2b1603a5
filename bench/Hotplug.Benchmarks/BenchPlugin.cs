using System.Reflection;
using System.Text.Json.Nodes;
using Hotplug.Manifest;
using Hotplug.Store;

namespace Hotplug.Benchmarks;

/// <summary>Lays out the benchmark plugin as a real plugin folder.</summary>
internal static class BenchPlugin
{
    public static readonly string BuildOutput = typeof(BenchPlugin).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BenchPluginPath").Value!;

    public static string CreateFolder(string parent, string name, string version)
    {
        var folder = Path.Combine(parent, name);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(BuildOutput))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        }

        WriteManifest(folder, name, version);
        return folder;
    }

    public static void WriteManifest(string folder, string id, string version) =>
        File.WriteAllText(Path.Combine(folder, PluginManifest.FileName), new JsonObject
        {
            ["id"] = id,
            ["version"] = version,
            ["runtime"] = "assembly",
            ["entry"] = new JsonObject { ["assembly"] = "Bench.Plugin.dll", ["type"] = "Bench.Plugin.CalculatorPlugin" },
            ["contracts"] = new JsonArray("bench.calculator/v1"),
        }.ToJsonString());

    public static (PluginManifest Manifest, StagedPackage Package) Read(string folder) =>
        (ManifestReader.Read(Path.Combine(folder, PluginManifest.FileName)), new StagedPackage(folder, "bench"));

    public static string TempRoot() => Path.Combine(Path.GetTempPath(), "hotplug-bench", Guid.NewGuid().ToString("N")[..8]);
}
