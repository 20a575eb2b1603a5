using System.Text.Json;
using Hotplug.Runtimes;
using Microsoft.Extensions.Options;

namespace Hotplug.Loading;

/// <summary>
/// The <c>assembly</c> runtime: each version in its own collectible load context, in the host's process. Its entry
/// is <c>{ "assembly": "Plugin.dll", "type": "Namespace.EntryType" }</c>.
/// </summary>
internal sealed class AssemblyRuntime : IPluginRuntime
{
    /// <summary>The runtime's name, as manifests write it.</summary>
    public const string RuntimeName = "assembly";

    private readonly Lazy<SharedAssemblyPolicy> _shared;
    private TimeProvider _time;

    /// <summary>Creates the runtime with the host's options; what plugins share is worked out when it is first needed.</summary>
    public AssemblyRuntime(IOptions<AssemblyRuntimeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _shared = new Lazy<SharedAssemblyPolicy>(() => new SharedAssemblyPolicy(options.Value.SharedAssemblies));
        _time = TimeProvider.System;
    }

    /// <summary>Creates the runtime over a given policy, outside a host (tests and benchmarks).</summary>
    internal AssemblyRuntime(SharedAssemblyPolicy shared, TimeProvider? timeProvider = null)
    {
        _shared = new Lazy<SharedAssemblyPolicy>(shared);
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Name => RuntimeName;

    public Task InitializeAsync(PluginRuntimeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        _time = context.TimeProvider;

        // Read the host's assemblies once, now, rather than on the first plugin's start.
        _ = _shared.Value;
        return Task.CompletedTask;
    }

    public IReadOnlyList<string> ReadEntry(JsonElement entry) => [AssemblyEntry.Read(entry).Assembly];

    public IPluginVersion Create(PluginVersionContext context) => AssemblyPluginVersion.Load(context, _shared.Value, _time);
}
