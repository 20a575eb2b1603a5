using Hotplug.Discovery;
using Hotplug.Manifest;
using Hotplug.Store;

namespace Hotplug.Hosting;

/// <summary>What the host knows about one plugin folder between passes. Touched only by the reconcile loop.</summary>
internal sealed class FolderState(string path)
{
    public string Path { get; } = path;

    /// <summary>Gets or sets the fingerprint of the last look at the folder.</summary>
    public FolderFingerprint? Seen { get; set; }

    /// <summary>Gets or sets when <see cref="Seen"/> last changed.</summary>
    public DateTimeOffset SeenChangedAt { get; set; }

    /// <summary>Gets or sets the fingerprint the host last acted on (staged, or rejected).</summary>
    public FolderFingerprint? Processed { get; set; }

    /// <summary>Gets or sets the staging of the folder under way off the loop, or <see langword="null"/>.</summary>
    public Task<StageOutcome>? Staging { get; set; }

    /// <summary>Gets or sets the fingerprint <see cref="Staging"/> was started for.</summary>
    public FolderFingerprint? StagingFingerprint { get; set; }

    /// <summary>
    /// Gets or sets the last manifest of this folder that was verified (signature, trust, files), which keeps
    /// describing the plugin while a later edit is rejected. Only a verified manifest claims a plugin id.
    /// </summary>
    public PluginManifest? Manifest { get; set; }

    /// <summary>Gets or sets the store copy <see cref="Manifest"/> was verified in.</summary>
    public StagedPackage? Package { get; set; }

    /// <summary>Gets or sets whether <see cref="Manifest"/> is new and must be applied.</summary>
    public bool NeedsApply { get; set; }

    /// <summary>Gets or sets the folder that holds the id this one claims too, once that was reported.</summary>
    public string? DuplicateOf { get; set; }

    /// <summary>Gets or sets the store copy found changed before it was loaded; the folder is staged again once it is deleted.</summary>
    public string? ChangedStoreCopy { get; set; }

    /// <summary>
    /// Gets or sets whether a look at the folder came to an outcome once: it was verified, rejected, failed to be
    /// written to the store, or has no manifest. What the host waits for, with the start of a verified version, before
    /// it counts itself loaded (<see cref="IPluginHost.WaitUntilLoadedAsync"/>).
    /// </summary>
    public bool Settled { get; set; }

    /// <summary>Gets the backoff of a staging that failed to write the store.</summary>
    public RetryBackoff Retry { get; } = new();
}

/// <summary>What staging a folder came to.</summary>
/// <param name="Manifest">The verified manifest, or <see langword="null"/>.</param>
/// <param name="Package">The store copy, or <see langword="null"/>.</param>
/// <param name="Error">Why the folder was not staged: a rejection, or a store write failure (<see cref="StoreWriteException"/>).</param>
internal sealed record StageOutcome(PluginManifest? Manifest, StagedPackage? Package, PluginException? Error)
{
    /// <summary>Gets the outcome of a folder that changed while it was copied: looked at again once stable.</summary>
    public static StageOutcome Changed { get; } = new(null, null, null);
}
