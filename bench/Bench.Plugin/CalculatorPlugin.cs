using Bench.Contracts;
using Hotplug;

namespace Bench.Plugin;

/// <summary>The benchmark plugin: the same addition as <see cref="LocalCalculator"/>, loaded in a collectible context.</summary>
public sealed class CalculatorPlugin : PluginBase, ICalculator
{
    /// <inheritdoc />
    public ValueTask<int> AddAsync(int a, int b, CancellationToken cancellationToken = default) => new(a + b);
}
