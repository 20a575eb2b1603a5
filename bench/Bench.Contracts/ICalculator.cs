using Hotplug;

namespace Bench.Contracts;

/// <summary>The contract the router benchmarks call: small, synchronous-completing, allocation-free.</summary>
[PluginContract("bench.calculator/v1")]
public interface ICalculator
{
    /// <summary>Adds two numbers.</summary>
    ValueTask<int> AddAsync(int a, int b, CancellationToken cancellationToken = default);
}

/// <summary>The same implementation as the plugin's, compiled into the host: the direct-call baseline.</summary>
public sealed class LocalCalculator : ICalculator
{
    /// <inheritdoc />
    public ValueTask<int> AddAsync(int a, int b, CancellationToken cancellationToken = default) => new(a + b);
}
