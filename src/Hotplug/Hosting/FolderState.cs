using Hotplug.Discovery;
using Hotplug.Manifest;

namespace Hotplug.Hosting;

/// <summary>What the host knows about one plugin folder between passes.</summary>
internal sealed class FolderState(string path)
{
    public string Path { get; } = path;

    /// <summary>Gets or sets the fingerprint of the last look at the folder.</summary>
    public FolderFingerprint? Seen { get; set; }

    /// <summary>Gets or sets when <see cref="Seen"/> last changed.</summary>
    public DateTimeOffset SeenChangedAt { get; set; }

    /// <summary>Gets or sets the fingerprint the host last acted on (accepted or rejected).</summary>
    public FolderFingerprint? Processed { get; set; }

    /// <summary>Gets or sets the last valid manifest read from this folder, which keeps describing the plugin while a later edit is rejected.</summary>
    public PluginManifest? Manifest { get; set; }

    /// <summary>Gets or sets the fingerprint <see cref="Manifest"/> was read with.</summary>
    public FolderFingerprint? ManifestFingerprint { get; set; }

    /// <summary>Gets or sets whether <see cref="Manifest"/> is new and must be applied.</summary>
    public bool NeedsApply { get; set; }
}
