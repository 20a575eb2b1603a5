using System.Text.Json;
using Hotplug.Runtimes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hotplug.Scripting.CSharp.Tests;

/// <summary>The csharp runtime on its own, without a host: versions made straight from a folder, over a temporary state folder.</summary>
internal sealed class RuntimeHarness : IDisposable
{
    public RuntimeHarness(string? root = null)
    {
        Root = root ?? Path.Combine(Path.GetTempPath(), "hotplug-csharp", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Runtime = new CSharpSourceRuntime(Options.Create(new AssemblyRuntimeOptions()));
        Runtime.InitializeAsync(
            new PluginRuntimeContext { StatePath = Path.Combine(Root, "state"), StorePath = Path.Combine(Root, "store"), LoggerFactory = NullLoggerFactory.Instance },
            CancellationToken.None).GetAwaiter().GetResult();
    }

    public string Root { get; }

    public CSharpSourceRuntime Runtime { get; }

    public string CacheFolder => Path.Combine(Root, "state", CSharpSourceRuntime.CacheFolder);

    /// <summary>Writes sources into a new package folder and creates a version of it (not started).</summary>
    public IPluginVersion Create(string entryJson, IReadOnlyDictionary<string, string> files, params string[] contracts)
    {
        var folder = Path.Combine(Root, "packages", Guid.NewGuid().ToString("N")[..12]);
        foreach (var (path, text) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, path))!);
            File.WriteAllText(Path.Combine(folder, path), text);
        }

        using var entry = JsonDocument.Parse(entryJson);
        _ = Runtime.ReadEntry(entry.RootElement);
        return Runtime.Create(new PluginVersionContext
        {
            PluginId = "rules",
            Version = "1.0.0",
            PackagePath = folder,
            Entry = entry.RootElement.Clone(),
            Contracts = contracts,
            Configuration = new ConfigurationBuilder().Build(),
            Logger = NullLogger.Instance,
            HostServices = EmptyServices.Instance,
            Stopping = CancellationToken.None,
        });
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
