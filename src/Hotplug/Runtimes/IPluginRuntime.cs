using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Hotplug.Runtimes;

/// <summary>
/// A way to run plugins, named by the manifest's <c>runtime</c>. The host has <c>assembly</c> built in; runtime
/// packages (such as <c>process</c>) register theirs with <see cref="HotplugServiceCollectionExtensions.AddRuntime{TRuntime}"/>.
/// </summary>
/// <remarks>
/// A runtime only knows how to create, start and stop one version of a plugin. Everything around that —
/// discovery, verification, the store, health-checked blue-green upgrades, draining, routing, status — is the
/// host's and is the same for every runtime.
/// </remarks>
public interface IPluginRuntime
{
    /// <summary>Gets the runtime's name, as manifests write it, such as <c>process</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Validates the manifest's <c>entry</c> object for this runtime and returns the files it names, relative to
    /// the package, which must be present before the package is read (so a half-copied folder is not loaded).
    /// </summary>
    /// <param name="entry">The manifest's <c>entry</c> object.</param>
    /// <returns>The files the entry needs.</returns>
    /// <exception cref="PluginException">The entry is invalid; the message names the field.</exception>
    IReadOnlyList<string> ReadEntry(JsonElement entry);

    /// <summary>Creates one version of a plugin from its verified store copy. It is started next.</summary>
    /// <param name="context">What the version is and what the host gives it.</param>
    /// <returns>The version, not started.</returns>
    /// <exception cref="PluginException">The package cannot be run by this runtime.</exception>
    IPluginVersion Create(PluginVersionContext context);
}

/// <summary>One version of a plugin, as a runtime runs it.</summary>
public interface IPluginVersion
{
    /// <summary>Gets the contract interfaces this version provides to the host's routers.</summary>
    IReadOnlyCollection<Type> ContractTypes { get; }

    /// <summary>Starts the version. Bounded by the host's start timeout through <paramref name="cancellationToken"/>.</summary>
    /// <param name="cancellationToken">Cancelled at the start timeout or when the host stops.</param>
    /// <returns>A task that completes when the version can be health-checked.</returns>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Reports whether the version can serve.</summary>
    /// <param name="cancellationToken">Cancelled at the health-check timeout.</param>
    /// <returns>The health.</returns>
    Task<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken);

    /// <summary>Returns the object that implements <paramref name="contractType"/> for the host's routers, or <see langword="null"/>.</summary>
    /// <param name="contractType">A contract interface.</param>
    /// <returns>The implementation.</returns>
    object? GetContract(Type contractType);

    /// <summary>Stops the version, after its calls drained. Bounded by the host's stop timeout.</summary>
    /// <param name="cancellationToken">Cancelled at the stop timeout.</param>
    /// <returns>A task that completes when the version has released what it holds.</returns>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Drops every reference into the version's code. In-process runtimes return a weak reference to what must
    /// then be collected (the host verifies it, and reports a leak); out-of-process runtimes return <see langword="null"/>.
    /// </summary>
    /// <returns>The weak reference, or <see langword="null"/>.</returns>
    WeakReference? Release();
}

/// <summary>What a runtime gets to create one plugin version.</summary>
public sealed class PluginVersionContext
{
    /// <summary>Gets the plugin id.</summary>
    public required string PluginId { get; init; }

    /// <summary>Gets the plugin version.</summary>
    public required string Version { get; init; }

    /// <summary>Gets the verified, immutable store folder the version runs from.</summary>
    public required string PackagePath { get; init; }

    /// <summary>Gets the manifest's <c>entry</c> object.</summary>
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
    /// A function that completes when the copy is unchanged, and throws <see cref="Packaging.PackageVerificationException"/>
    /// (<see cref="Packaging.PackageErrors.StoreCopyChanged"/>) when it is not. It reads every file: call it before a
    /// load, not per call.
    /// </value>
    public Func<CancellationToken, Task> VerifyPackageAsync { get; init; } = static _ => Task.CompletedTask;
}
