using Hotplug.Contracts.Json;
using Hotplug.Loading;
using Hotplug.Runtimes;

namespace Hotplug.Scripting.CSharp;

/// <summary>
/// One version of a C# source plugin: built (or read from the cache) when it starts, then run by the assembly runtime's
/// version in a collectible load context of its own, with the same unload verification.
/// </summary>
internal sealed class CSharpSourceVersion(PluginVersionContext context, CSharpSourceEntry entry, SourceBuilder builder, SharedAssemblyPolicy shared, TimeProvider timeProvider) : IPluginVersion
{
    private AssemblyPluginVersion? _loaded;

    public IReadOnlyCollection<Type> ContractTypes => _loaded?.ContractTypes ?? [];

    public IJsonCallByName? CallByName => _loaded?.CallByName;

    /// <summary>Builds the sources off the caller's thread (a compile takes a while), loads the build and starts the entry object.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var compiled = await Task.Run(() => builder.Build(context, entry, cancellationToken), cancellationToken).ConfigureAwait(false);
        _loaded = AssemblyPluginVersion.LoadCompiled(context, compiled, shared, timeProvider);
        await _loaded.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        _loaded?.CheckHealthAsync(cancellationToken) ?? Task.FromResult(PluginHealth.Unhealthy("not started"));

    public object? GetContract(Type contractType) => _loaded?.GetContract(contractType);

    public Task StopAsync(CancellationToken cancellationToken) => _loaded?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>Unloads the build's load context and verifies it is collected, as for an assembly plugin.</summary>
    public ValueTask<ReleaseResult> ReleaseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var loaded = Interlocked.Exchange(ref _loaded, null);
        return loaded is null ? ValueTask.FromResult(ReleaseResult.NotApplicable) : loaded.ReleaseAsync(timeout, cancellationToken);
    }
}
