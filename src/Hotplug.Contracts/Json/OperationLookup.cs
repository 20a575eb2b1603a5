namespace Hotplug.Contracts.Json;

/// <summary>Finds the operation a call by name asks for, among the contracts a plugin version serves.</summary>
/// <remarks>
/// A name matches a method's name whole, ignoring case; when none does, it matches a method's name without its
/// <c>Async</c> suffix, so <c>rank</c> reaches <c>RankAsync</c>. A name that matches methods of different
/// signatures (overloads) is refused: a call by name needs one method.
/// </remarks>
public static class OperationLookup
{
    /// <summary>Finds the operation called <paramref name="name"/>.</summary>
    /// <param name="contracts">The contracts the version serves.</param>
    /// <param name="name">The name asked for.</param>
    /// <param name="pluginId">The plugin's id, for the error.</param>
    /// <param name="version">The version, for the error.</param>
    /// <returns>The operation.</returns>
    /// <exception cref="OperationArgumentException">No method has the name (the message lists those there are), or several overloads do.</exception>
    public static OperationDescriptor Find(IEnumerable<ContractDescriptor> contracts, string name, string pluginId, string version)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var candidates = contracts.SelectMany(c => c.Operations).ToList();
        var matches = candidates.Where(o => ContractRules.IsMethodName(o.Method.Name, name)).ToList();
        if (matches.Count == 0)
        {
            matches = [.. candidates.Where(o => ContractRules.IsMethodNameWithoutAsync(o.Method.Name, name))];
        }

        if (matches.Count == 0)
        {
            var known = candidates.Select(o => o.Method.Name).Distinct().Order(StringComparer.Ordinal);
            throw new OperationArgumentException($"Plugin '{pluginId}' {version} has no method '{name}'. Its contracts have: {string.Join(", ", known)}.");
        }

        if (matches.Select(o => o.Method.ToString()).Distinct().Count() > 1)
        {
            throw new OperationArgumentException(
                $"Method '{name}' of plugin '{pluginId}' is overloaded ({string.Join("; ", matches.Select(o => o.Method.ToString()))}); calls by name need a unique method name.");
        }

        return matches[0];
    }
}
