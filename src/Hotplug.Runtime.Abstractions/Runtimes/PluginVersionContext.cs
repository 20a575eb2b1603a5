using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Hotplug.Runtimes;

/// <summary>What a runtime gets to create one plugin version (<see cref="IPluginRuntime.Create"/>).</summary>
public sealed class PluginVersionContext
{
    /// <summary>Gets the plugin id.</summary>
    public required string PluginId { get; init; }

    /// <summary>Gets the plugin version.</summary>
    public required string Version { get; init; }

    /// <summary>Gets the verified, immutable store folder the version runs from.</summary>
    public required string PackagePath { get; init; }

    /// <summary>Gets the manifest's <c>entry</c> object, as <see cref="IPluginRuntime.ReadEntry"/> accepted it.</summary>
    public required JsonElement Entry { get; init; }

    /// <summary>Gets the contract names the manifest lists.</summary>
    public required IReadOnlyList<string> Contracts { get; init; }

    /// <summary>Gets the manifest's <c>config</c> section.</summary>
    public required IConfiguration Configuration { get; init; }

    /// <summary>Gets a logger named after the plugin.</summary>
    public required ILogger Logger { get; init; }

    /// <summary>Gets the service types the host exports to plugins (those <see cref="HostServices"/> resolves).</summary>
    public IReadOnlyCollection<Type> ExportedServiceTypes { get; init; } = [];

    /// <summary>Gets the host services exported to plugins.</summary>
    public required IServiceProvider HostServices { get; init; }

    /// <summary>
    /// Gets the manifest's call timeout (<see cref="Timeout.InfiniteTimeSpan"/> for none). The host's routers
    /// enforce it; remote runtimes also send it as the call's deadline so the plugin stops its work too.
    /// </summary>
    public TimeSpan CallTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets a token cancelled when the host begins to stop this version.</summary>
    public required CancellationToken Stopping { get; init; }

    /// <summary>
    /// Gets the check that <see cref="PackagePath"/> still holds exactly the files the host verified. The host runs it
    /// before it creates the version; a runtime that loads from the package again later (a restarted or added
    /// process) runs it first, and runs nothing from a copy that changed.
    /// </summary>
    /// <value>
    /// A function that completes when the copy is unchanged, and throws a <see cref="PluginStartException"/> whose
    /// <see cref="PluginStartException.Code"/> is <see cref="PluginStartException.StoreCopyChanged"/> when it is not,
    /// naming what differs. It reads every file: call it before a load, not per call.
    /// </value>
    public Func<CancellationToken, Task> VerifyPackageAsync { get; init; } = static _ => Task.CompletedTask;
}
