using System.Text.Json;

namespace Hotplug.Runtimes;

/// <summary>
/// A way to run plugins, named by the manifest's <c>runtime</c>: <c>assembly</c> (registered by default), <c>process</c>,
/// and whatever runtime packages add. Register one with
/// <see cref="HotplugRuntimeBuilderExtensions.AddRuntime{TRuntime}"/>, from the runtime package's own extension
/// (such as <c>AddProcessRuntime()</c>).
/// </summary>
/// <remarks>
/// <para>
/// A runtime only knows how to create, start, health-check, stop and release one version of a plugin. Everything
/// around that — discovery, verification, the store, health-checked blue-green upgrades, draining, routing, status —
/// is the host's, and is the same for every runtime. See <c>docs/runtimes.md</c>.
/// </para>
/// <para>
/// The host calls <see cref="InitializeAsync"/> once when it starts, before any <see cref="Create"/>. Tools that only
/// check manifests (<c>hotplug pack</c>, <c>sign</c>, <c>verify</c>) call <see cref="ReadEntry"/> on a runtime that is
/// never initialised: it must not depend on initialisation.
/// </para>
/// </remarks>
public interface IPluginRuntime
{
    /// <summary>Gets the runtime's name, as manifests write it, such as <c>process</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Prepares the runtime for a host: called once when the host starts, after it took its state folder's lock and
    /// before it creates any version. Do here what must happen once per host — such as stopping what a killed host
    /// left running from the same store.
    /// </summary>
    /// <param name="context">The host's state folder, store, logger factory and clock.</param>
    /// <param name="cancellationToken">Cancelled when the host's start is abandoned.</param>
    /// <returns>A task that completes when the runtime is ready; a runtime that throws stops the host from starting.</returns>
    Task InitializeAsync(PluginRuntimeContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Validates the manifest's <c>entry</c> object for this runtime and returns the files it names, relative to
    /// the package, which must be present before the package is read (so a half-copied folder is not loaded).
    /// </summary>
    /// <param name="entry">The manifest's <c>entry</c> object.</param>
    /// <returns>The files the entry needs.</returns>
    /// <exception cref="PluginManifestException">
    /// The entry is invalid; <see cref="PluginManifestException.Field"/> names the field (such as <c>entry.executable</c>).
    /// The host reports it with the manifest's path, as <see cref="Manifest.ManifestErrors.BadEntry"/> unless it has a
    /// code of its own.
    /// </exception>
    IReadOnlyList<string> ReadEntry(JsonElement entry);

    /// <summary>Creates one version of a plugin from its verified store copy. It is started next.</summary>
    /// <param name="context">What the version is and what the host gives it.</param>
    /// <returns>The version, not started.</returns>
    /// <exception cref="PluginException">The package cannot be run by this runtime.</exception>
    IPluginVersion Create(PluginVersionContext context);
}
