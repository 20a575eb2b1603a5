using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hotplug.Tests.Infrastructure;

/// <summary>Lays out real plugin folders from the test plugins the build produced.</summary>
internal static class TestPlugins
{
    public static readonly string BuildOutput = typeof(TestPlugins).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "TestPluginsPath").Value!;

    public const string Echo = "EchoPlugin";
    public const string OldLibrary = "OldLibraryPlugin";
    public const string Native = "NativePlugin";
    public const string EchoProcess = "EchoProcessPlugin";

    /// <summary>EchoProcessPlugin, connected over TCP on loopback.</summary>
    public const string EchoProcessTcp = EchoProcess + "+tcp";

    /// <summary>EchoProcessPlugin, connected over its standard input and output.</summary>
    public const string EchoProcessStdio = EchoProcess + "+stdio";

    /// <summary>The built project a test plugin name stands for (<c>EchoProcessPlugin+tcp</c> is EchoProcessPlugin).</summary>
    private static string Build(string project) => project.Split('+')[0];

    public static string EntryType(string project) => project switch
    {
        Echo => "Hotplug.TestPlugins.Echo.EchoPlugin",
        OldLibrary => "Hotplug.TestPlugins.OldLibrary.OldLibraryPlugin",
        Native => "Hotplug.TestPlugins.Native.NativePlugin",
        _ => throw new ArgumentOutOfRangeException(nameof(project)),
    };

    public static JsonObject Manifest(string id, string version, string project = Echo, JsonObject? config = null) => Build(project) == EchoProcess
        ? new JsonObject
        {
            ["id"] = id,
            ["version"] = version,
            ["runtime"] = "process",
            ["entry"] = new JsonObject
            {
                ["executable"] = EchoProcess,
                ["handshake"] = new JsonObject { ["magicCookieKey"] = "HOTPLUG_TEST_PLUGIN", ["magicCookieValue"] = "d3c4f1a0", ["protocolVersion"] = 1 },
                ["transport"] = project.Contains('+', StringComparison.Ordinal) ? project.Split('+')[1] : "unix",
            },
            ["contracts"] = new JsonArray("test.echo/v1", "test.other/v1"),
            ["config"] = config ?? new JsonObject(),
        }
        : new JsonObject
    {
        ["id"] = id,
        ["version"] = version,
        ["runtime"] = "assembly",
        ["entry"] = new JsonObject { ["assembly"] = project + ".dll", ["type"] = EntryType(project) },
        ["contracts"] = new JsonArray(project == Native ? "test.other/v1" : "test.echo/v1"),
        ["config"] = config ?? new JsonObject(),
    };

    /// <summary>Copies a built plugin into <paramref name="folder"/> (files first, manifest last) and writes its manifest.</summary>
    public static void Install(string folder, JsonObject manifest, string project = Echo)
    {
        Directory.CreateDirectory(folder);
        CopyBuild(project, folder);
        WriteManifest(folder, manifest);
    }

    public static void CopyBuild(string project, string folder)
    {
        var source = Path.Combine(BuildOutput, Build(project));
        if (!Directory.Exists(source))
        {
            throw new InvalidOperationException($"Test plugin {project} was not built into {source}.");
        }

        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    public static void WriteManifest(string folder, JsonNode manifest) =>
        File.WriteAllText(Path.Combine(folder, "plugin.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
