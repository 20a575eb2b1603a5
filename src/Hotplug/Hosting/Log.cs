using Microsoft.Extensions.Logging;

namespace Hotplug.Hosting;

/// <summary>The host's log messages, with stable event ids (1000-1099).</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Hotplug host watching {PluginsPath} (state in {StatePath}, {ExportCount} exported service(s))")]
    public static partial void HostStarted(ILogger logger, string pluginsPath, string statePath, int exportCount);

    [LoggerMessage(1001, LogLevel.Information, "Hotplug host stopped")]
    public static partial void HostStopped(ILogger logger);

    [LoggerMessage(1002, LogLevel.Information, "Plugin {PluginId} {Version}: {State} {Reason}")]
    public static partial void StateChanged(ILogger logger, string pluginId, string version, string state, string reason);

    [LoggerMessage(1003, LogLevel.Error, "Plugin {PluginId} rejected: {Reason}")]
    public static partial void Rejected(ILogger logger, string pluginId, string reason);

    [LoggerMessage(1004, LogLevel.Error, "Plugin {PluginId} {Version} failed to start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string pluginId, string version, string reason);

    [LoggerMessage(1005, LogLevel.Warning, "Plugin {PluginId} {Version}: {InFlight} call(s) still running after the drain timeout of {DrainTimeout}; stopping it anyway")]
    public static partial void DrainTimedOut(ILogger logger, string pluginId, string version, long inFlight, TimeSpan drainTimeout);

    [LoggerMessage(1006, LogLevel.Warning, "Plugin {PluginId} {Version}: {Error}")]
    public static partial void StopFailed(ILogger logger, string pluginId, string version, string error);

    [LoggerMessage(1007, LogLevel.Information, "Plugin {PluginId} {Version}: load context unloaded and collected")]
    public static partial void Unloaded(ILogger logger, string pluginId, string version);

    [LoggerMessage(1008, LogLevel.Error, "Plugin {PluginId} {Version}: {Message}")]
    public static partial void Leaked(ILogger logger, string pluginId, string version, string message);

    [LoggerMessage(1009, LogLevel.Warning, "Watching the plugins folder failed; relying on the periodic rescan")]
    public static partial void WatcherFailed(ILogger logger, Exception? exception);

    [LoggerMessage(1010, LogLevel.Error, "A reconcile pass failed; it will run again")]
    public static partial void PassFailed(ILogger logger, Exception exception);

    [LoggerMessage(1011, LogLevel.Warning, "A StateChanged handler threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(1013, LogLevel.Error, "Retiring a plugin version failed")]
    public static partial void RetireFailed(ILogger logger, Exception exception);

    [LoggerMessage(1014, LogLevel.Warning, "UNSIGNED PACKAGES ALLOWED: this host loads plugins that no trusted key signed. Use this only while developing.")]
    public static partial void UnsignedAllowed(ILogger logger);

    [LoggerMessage(1015, LogLevel.Warning, "Plugin {PluginId} {Version} is UNSIGNED; it runs only because unsigned packages are allowed")]
    public static partial void RunningUnsigned(ILogger logger, string pluginId, string version);

    [LoggerMessage(1016, LogLevel.Information, "Trusting {KeyCount} key(s) from {TrustPath}")]
    public static partial void TrustLoaded(ILogger logger, int keyCount, string trustPath);

    [LoggerMessage(1012, LogLevel.Debug, "{Folder} has no plugin.json; not a plugin yet")]
    public static partial void NoManifest(ILogger logger, string folder);

    [LoggerMessage(1020, LogLevel.Information, "Removed {Folder}, left in the store by a host that was killed")]
    public static partial void LeftoverRemoved(ILogger logger, string folder);

    [LoggerMessage(1021, LogLevel.Information, "Removed {Folder} from the store: no longer in use nor retained")]
    public static partial void Collected(ILogger logger, string folder);

    [LoggerMessage(1022, LogLevel.Warning, "Collecting the store failed; it is tried again")]
    public static partial void CollectFailed(ILogger logger, Exception exception);

    [LoggerMessage(1023, LogLevel.Error, "{Message}")]
    public static partial void BookkeepingFailed(ILogger logger, string message, Exception exception);

    [LoggerMessage(1024, LogLevel.Information, "{Path} written")]
    public static partial void BookkeepingSaved(ILogger logger, string path);

    [LoggerMessage(1025, LogLevel.Warning, "Plugin {PluginId} {Version}: {InFlight} call(s) still running abandoned: the host's stop waits at most {StopTimeout} for calls")]
    public static partial void CallsAbandoned(ILogger logger, string pluginId, string version, long inFlight, TimeSpan stopTimeout);

    [LoggerMessage(1026, LogLevel.Warning, "The host stopped after {Bound} with {Retiring} version(s) still stopping and {Staging} package(s) still being staged; they were abandoned")]
    public static partial void StopAbandoned(ILogger logger, int retiring, int staging, TimeSpan bound);

    [LoggerMessage(1027, LogLevel.Error, "Plugin {PluginId}: {Message}")]
    public static partial void StoreWriteFailed(ILogger logger, string pluginId, string message, Exception? exception);

    [LoggerMessage(1028, LogLevel.Error, "Applying plugin {PluginId} failed; it is tried again when its folder changes")]
    public static partial void ApplyFailed(ILogger logger, string pluginId, Exception exception);
}
