using System.Reflection;

namespace Hotplug.Packaging.Tests;

/// <summary>
/// Runs <c>scripts/pack.sh</c> once into a folder feed outside the repository, and sets up a workspace there that
/// uses only that feed (beside nuget.org) with a private NuGet cache, CLI home and template hive.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    public static readonly string RepoRoot = typeof(PackedFeed).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    /// <summary>Every package pack.sh writes, each with its symbols but the templates.</summary>
    public static readonly string[] LibraryIds =
    [
        "Hotplug.Abstractions", "Hotplug.Contracts", "Hotplug.Runtime.Abstractions", "Hotplug", "Hotplug.Assembly", "Hotplug.Wire",
        "Hotplug.Process.Protocol", "Hotplug.Process", "Hotplug.Process.Plugin", "Hotplug.Admin", "Hotplug.Cli", "Hotplug.Scripting", "Hotplug.Scripting.Lua", "Hotplug.Scripting.JavaScript", "Hotplug.Scripting.CSharp", "Hotplug.Bus.Member", "Hotplug.Bus",
    ];

    /// <summary>The packages' version (Directory.Build.props), read from the feed.</summary>
    public string Version { get; private set; } = string.Empty;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "hotplug-packaging-tests", Guid.NewGuid().ToString("N")[..10]);

    public string Feed => Path.Combine(Root, "feed");

    public string Workspace => Path.Combine(Root, "work");

    public string PackOutput { get; private set; } = string.Empty;

    /// <summary>The environment of every command: one NuGet cache for all the workspace's projects, a private CLI home.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["DOTNET_CLI_HOME"] = Path.Combine(Root, "cli-home"),
        ["NUGET_PACKAGES"] = Path.Combine(Root, "nuget-packages"),
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        ["HOTPLUG_SIGNING_KEY"] = null,
    };

    public string Hive => Path.Combine(Root, "template-hive");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Workspace);
        // The repository's own NuGet cache for pack.sh; the workspace gets a fresh one, so it can only use what pack.sh wrote.
        PackOutput = await DotnetRun.RunOkAsync("bash", [Path.Combine(RepoRoot, "scripts", "pack.sh"), "--out", Feed], RepoRoot, new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1" });
        Version = Path.GetFileName(Directory.GetFiles(Feed, "Hotplug.Templates.*.nupkg").Single())["Hotplug.Templates.".Length..^".nupkg".Length];

        // As docs/packages.md shows it: the folder feed beside nuget.org.
        File.WriteAllText(Path.Combine(Workspace, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="hotplug" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);

        // The templates into a private hive, so the user's templates are untouched; the contract every project uses.
        await DotnetAsync(Workspace, "new", "install", Path.Combine(Feed, $"Hotplug.Templates.{Version}.nupkg"), "--debug:custom-hive", Hive);
        await NewAsync("hotplug-contract", "-n", ContractName);
    }

    /// <summary>The contract library every generated project references.</summary>
    public const string ContractName = "Greeting.Contracts";

    /// <summary>Runs <c>dotnet new</c> in the workspace with the test's template hive.</summary>
    public Task<string> NewAsync(string template, params string[] arguments) =>
        DotnetAsync(Workspace, ["new", template, .. arguments, "--debug:custom-hive", Hive]);

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process the test started may still hold a file for a moment; the folder is under the temp folder.
        }

        return Task.CompletedTask;
    }

    public Task<string> DotnetAsync(string workingDirectory, params string[] arguments) =>
        DotnetRun.RunOkAsync("dotnet", arguments, workingDirectory, Environment);
}

[CollectionDefinition(Name)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
    public const string Name = "packed feed";
}
