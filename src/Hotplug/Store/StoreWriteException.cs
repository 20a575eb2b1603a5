using Hotplug.Packaging;

namespace Hotplug.Store;

/// <summary>
/// A package could not be written into the store (<see cref="PackageErrors.StoreWriteFailed"/>): a disk or file
/// system error, not something wrong with the package. The host tries again with backoff.
/// </summary>
internal sealed class StoreWriteException : PluginException
{
    public StoreWriteException(string message, string? pluginId, string? version, Exception innerException)
        : base($"{PackageErrors.StoreWriteFailed}: {message}", pluginId, version, innerException)
    {
    }
}
