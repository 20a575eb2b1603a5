using Microsoft.Extensions.Logging;

namespace Hotplug.Runtimes;

/// <summary>What a runtime gets once, when the host starts (<see cref="IPluginRuntime.InitializeAsync"/>).</summary>
public sealed class PluginRuntimeContext
{
    /// <summary>Gets the host's state folder (absolute). The host holds its lock: no other host runs on it.</summary>
    public required string StatePath { get; init; }

    /// <summary>
    /// Gets the host's store (absolute): every version runs from its own immutable folder in it,
    /// <c>&lt;StorePath&gt;/&lt;id&gt;/&lt;version&gt;-&lt;hash&gt;</c>. Anything found running from it that no live
    /// host started was left behind by a host that was killed.
    /// </summary>
    public required string StorePath { get; init; }

    /// <summary>Gets the host's logger factory.</summary>
    public required ILoggerFactory LoggerFactory { get; init; }

    /// <summary>Gets the host's clock: runtimes time backoffs and intervals with it, so tests can control time.</summary>
    /// <value>Defaults to <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
