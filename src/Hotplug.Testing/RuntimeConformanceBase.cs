using System.Text.Json.Nodes;

namespace Hotplug.Testing;

/// <summary>
/// What a runtime tells the conformance kit: how to register it in a host and how to lay out the kit's echo plugin for
/// it. A runtime joins the kit by deriving a sealed class from <see cref="RuntimeConformanceTests"/>; xunit runs every
/// case of the kit against it, each with a new host over a temporary folder.
/// </summary>
/// <remarks>
/// The echo plugin implements <c>Hotplug.TestContracts.IEcho</c> (contract <c>test.echo/v1</c>) and behaves as the
/// kit expects: <c>EchoAsync</c> answers with the text, its id, version, <c>config.greeting</c> and the exported
/// <c>ICounterService</c>'s next value (the <c>ISecretService</c>'s secret if it could get one, which it must not); text
/// <c>throw</c> throws "echo was asked to throw", <c>hang</c> never answers, <c>wait</c> waits for its token,
/// <c>crash</c> ends the plugin mid-call, <c>recover</c> makes its next health check healthy; <c>HoldAsync(key)</c>
/// waits on the exported <c>IHoldService</c> and answers with its version; the streams count, sum and shout. Its
/// manifest's <c>config.mode</c>: <c>throw-on-start</c> fails its start with "configured to fail on start";
/// <c>degraded</c> reports itself degraded with <c>config.reason</c> until <c>recover</c>.
/// </remarks>
public abstract class RuntimeConformanceBase
{
    /// <summary>Gets the contract the kit calls.</summary>
    protected const string EchoContract = "test.echo/v1";

    /// <summary>Gets the manifest's <c>runtime</c> for the echo plugin.</summary>
    protected abstract string Runtime { get; }

    /// <summary>Gets what the runtime can do; <see cref="ConformanceCapabilities.All"/> unless overridden.</summary>
    protected virtual ConformanceCapabilities Capabilities => ConformanceCapabilities.All;

    /// <summary>Gets the contracts the echo plugin's manifest lists. <value>Default: <c>test.echo/v1</c>.</value></summary>
    protected virtual IReadOnlyList<string> Contracts => [EchoContract];

    /// <summary>Registers the runtime in the kit's host (<c>builder.AddLuaRuntime()</c>); the assembly runtime is there already.</summary>
    /// <param name="builder">The host's Hotplug builder, the test services already exported.</param>
    protected abstract void AddRuntime(IHotplugBuilder builder);

    /// <summary>Returns the manifest's <c>entry</c> object for the echo plugin, as the runtime reads it.</summary>
    protected abstract JsonObject CreateEntry();

    /// <summary>Copies the echo plugin's files (everything but its manifest) into <paramref name="folder"/>.</summary>
    /// <param name="folder">The plugin folder, which exists.</param>
    protected abstract void CopyFiles(string folder);

    /// <summary>Returns the echo plugin's whole manifest: id, version, runtime, entry, contracts, config.</summary>
    /// <param name="id">The plugin id.</param>
    /// <param name="version">The version.</param>
    /// <param name="config">The manifest's <c>config</c>; empty when <see langword="null"/>.</param>
    protected JsonObject Manifest(string id, string version, JsonObject? config = null) => new()
    {
        ["id"] = id,
        ["version"] = version,
        ["runtime"] = Runtime,
        ["entry"] = CreateEntry(),
        ["contracts"] = new JsonArray(Contracts.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
        ["config"] = config ?? new JsonObject(),
    };

    /// <summary>Starts a host with the runtime registered.</summary>
    private protected Task<KitHost> StartHostAsync(Action<HotplugOptions>? configure = null) => KitHost.StartAsync(AddRuntime, configure);

    /// <summary>Lays out the echo plugin (files first, manifest last) under <paramref name="folder"/>.</summary>
    private protected void Install(KitHost host, string folder, JsonObject manifest)
    {
        var path = host.Folder(folder);
        Directory.CreateDirectory(path);
        CopyFiles(path);
        KitHost.WriteManifest(path, manifest);
    }

    /// <summary>Lays out the echo plugin and waits until the version is healthy.</summary>
    private protected async Task InstallAsync(KitHost host, string id, string version, JsonObject? config = null)
    {
        var healthy = host.WaitForAsync(id, PluginVersionState.Healthy, version);
        Install(host, id, Manifest(id, version, config));
        await healthy;
    }

    /// <summary>Writes a new version's manifest over the files already in the folder.</summary>
    private protected void WriteVersion(KitHost host, string id, string version, JsonObject? config = null) =>
        KitHost.WriteManifest(host.Folder(id), Manifest(id, version, config));
}
