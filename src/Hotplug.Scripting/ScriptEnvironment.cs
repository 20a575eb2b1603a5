using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Hotplug.Scripting;

/// <summary>
/// What a script sees, and nothing else: <c>plugin</c> (its id and version), <c>config</c> (its manifest's
/// <c>config</c>), <c>log</c>, <c>state</c> (shared by the version's engines) and <c>services</c> (the host's
/// exported services). Every engine of a version gets the same environment.
/// </summary>
public sealed class ScriptEnvironment
{
    /// <summary>Gets the plugin id.</summary>
    public required string PluginId { get; init; }

    /// <summary>Gets the version.</summary>
    public required string Version { get; init; }

    /// <summary>Gets the manifest's <c>config</c> as plain values: text, and dictionaries of them by key.</summary>
    public required IReadOnlyDictionary<string, object?> Config { get; init; }

    /// <summary>Gets the logger the script's <c>log</c> writes to.</summary>
    public required ILogger Logger { get; init; }

    /// <summary>Gets the store the version's engines share (<c>state</c>).</summary>
    public required ScriptState State { get; init; }

    /// <summary>Gets the host's exported services, by the name scripts use (<c>services.counterService</c>).</summary>
    public required IReadOnlyList<ScriptService> Services { get; init; }

    /// <summary>Gets the limits of one call.</summary>
    public required ScriptLimits Limits { get; init; }

    /// <summary>Gets the script's path in its package, for messages.</summary>
    public required string ScriptName { get; init; }

    /// <summary>Turns configuration into plain values: a section with children is a dictionary, a leaf its text.</summary>
    /// <param name="configuration">The manifest's <c>config</c>.</param>
    /// <returns>The values, by key.</returns>
    public static IReadOnlyDictionary<string, object?> ToPlain(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var child in configuration.GetChildren())
        {
            result[child.Key] = child.GetChildren().Any() ? ToPlain(child) : child.Value;
        }

        return result;
    }
}

/// <summary>
/// What the engines of one version share on purpose (<c>state.get(key)</c>, <c>state.set(key, value)</c>): a
/// thread-safe store of plain values (nil, booleans, numbers, text), kept for the version's life. Calls share
/// nothing else.
/// </summary>
public sealed class ScriptState
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> _values = new(StringComparer.Ordinal);

    /// <summary>The most keys a version may keep.</summary>
    public const int MaxKeys = 10_000;

    /// <summary>Reads a value.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public object? Get(string key) => _values.TryGetValue(key, out var value) ? value : null;

    /// <summary>Sets a value, or removes it when <paramref name="value"/> is <see langword="null"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value"><see langword="null"/>, a <see cref="bool"/>, <see cref="long"/>, <see cref="double"/> or <see cref="string"/>.</param>
    /// <returns>An error to give the script, or <see langword="null"/> when set.</returns>
    public string? Set(string key, object? value)
    {
        if (value is null)
        {
            _values.TryRemove(key, out _);
            return null;
        }

        if (value is not (bool or long or double or string))
        {
            return $"state.set('{key}'): only nil, booleans, numbers and text can be kept, not {Messages.MessageShape.Describe(value)}";
        }

        if (_values.Count >= MaxKeys && !_values.ContainsKey(key))
        {
            return $"state.set('{key}'): the state is full ({MaxKeys} keys)";
        }

        _values[key] = value;
        return null;
    }
}
