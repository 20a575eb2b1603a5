using Hotplug.Discovery;
using Hotplug.Packaging;
using Hotplug.Store;

namespace Hotplug.Hosting;

/// <summary>Keeps the host's verification policy in step with its trust folder.</summary>
internal sealed class TrustKeeper(HostContext host)
{
    private string? _fingerprint;

    /// <summary>
    /// Reloads the trust folder when it changed. Packages looked at under the old trust must be looked at again, so
    /// adding a key admits a package it signed, and revoking one takes effect at the next upgrade.
    /// </summary>
    /// <returns>Whether the policy changed (the caller looks at every folder again).</returns>
    /// <exception cref="PluginException">The trust folder cannot be loaded and none was loaded before.</exception>
    public bool ReloadIfChanged()
    {
        var path = host.TrustPath;
        var fingerprint = File.Exists(path) || Directory.Exists(path)
            ? FolderFingerprint.TryTake(path)?.Value ?? string.Empty
            : string.Empty;
        var current = host.Verification;
        if (current is not null && fingerprint == _fingerprint)
        {
            return false;
        }

        TrustStore trust;
        try
        {
            trust = TrustStore.Load(path);
        }
        catch (PluginException ex) when (current is not null)
        {
            // A broken edit of the trust folder keeps the trust that was loaded.
            Log.PassFailed(host.Logger, ex);
            return false;
        }

        var options = host.Options;
        host.Verification = new VerificationPolicy(trust, options.RequireSignedPackages, options.MaxPackageSize, options.MaxPackageFiles, host.Runtimes);
        current?.Trust.Dispose();
        _fingerprint = fingerprint;
        Log.TrustLoaded(host.Logger, trust.KeyIds.Count, path);
        return true;
    }
}
