using System.Globalization;
using System.Text.Json;

namespace Hotplug.Scripting;

/// <summary>
/// A script plugin's manifest <c>entry</c>:
/// <c>{ "script": "rules.lua", "pool": { "min": 1, "max": 4, "queue": 64 }, "limits": { "timeout": "2s", "memoryMb": 32, "depth": 200, "outputKb": 1024 } }</c>.
/// Only <c>script</c> is required.
/// </summary>
/// <param name="Script">The script file, relative to the package.</param>
/// <param name="Pool">How many engines run the version's calls, and how many calls may wait for one.</param>
/// <param name="Limits">What one call may use.</param>
public sealed record ScriptEntry(string Script, ScriptPoolOptions Pool, ScriptLimits Limits)
{
    private const string Manifest = "plugin.json";

    /// <summary>Reads and validates an entry.</summary>
    /// <param name="entry">The manifest's <c>entry</c> object.</param>
    /// <returns>The entry, every default filled in.</returns>
    /// <exception cref="PluginManifestException">A field is missing or out of range; the exception names it.</exception>
    public static ScriptEntry Read(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new PluginManifestException(Manifest, "entry", "must be an object such as { \"script\": \"rules.lua\" }.");
        }

        var script = ReadScript(entry);
        var pool = ScriptPoolOptions.Default;
        if (entry.TryGetProperty("pool", out var p) && p.ValueKind != JsonValueKind.Null)
        {
            RequireObject(p, "entry.pool");
            var min = Int(p, "min", "entry.pool.min", pool.Min, 0, 1024);
            var max = Int(p, "max", "entry.pool.max", Math.Max(pool.Max, min), 1, 1024);
            if (min > max)
            {
                throw new PluginManifestException(Manifest, "entry.pool.min", $"is {min}, more than entry.pool.max ({max}).");
            }

            pool = new ScriptPoolOptions(min, max, Int(p, "queue", "entry.pool.queue", pool.Queue, 0, 1_000_000));
        }

        var limits = ScriptLimits.Default;
        if (entry.TryGetProperty("limits", out var l) && l.ValueKind != JsonValueKind.Null)
        {
            RequireObject(l, "entry.limits");
            limits = new ScriptLimits(
                Duration(l, "timeout", "entry.limits.timeout"),
                Int(l, "memoryMb", "entry.limits.memoryMb", (int)(limits.MemoryBytes / (1024 * 1024)), 1, 4096) * 1024L * 1024,
                Int(l, "depth", "entry.limits.depth", limits.MaxDepth, 10, 10_000),
                Int(l, "outputKb", "entry.limits.outputKb", (int)(limits.MaxOutputBytes / 1024), 1, 1024 * 1024) * 1024L);
        }

        return new ScriptEntry(script, pool, limits);
    }

    private static string ReadScript(JsonElement entry)
    {
        if (!entry.TryGetProperty("script", out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            throw new PluginManifestException(Manifest, "entry.script", "is required: the script file, such as \"rules.lua\", relative to the plugin's folder.");
        }

        var path = value.GetString()!;
        if (Path.IsPathRooted(path) || path.Replace('\\', '/').Split('/').Any(s => s is ".." or ""))
        {
            throw new PluginManifestException(Manifest, "entry.script", $"'{path}' must be a path inside the plugin's folder, such as \"rules.lua\".");
        }

        return path;
    }

    private static void RequireObject(JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new PluginManifestException(Manifest, field, "must be an object.");
        }
    }

    private static int Int(JsonElement parent, string name, string field, int fallback, int min, int max)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number < min || number > max)
        {
            throw new PluginManifestException(Manifest, field, $"must be a whole number from {min} to {max}.");
        }

        return number;
    }

    private static TimeSpan? Duration(JsonElement parent, string name, string field)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        double? ms = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetDouble(out var n) => n,
            JsonValueKind.String => ParseMilliseconds(value.GetString()!),
            _ => null,
        };
        if (ms is not { } milliseconds || milliseconds <= 0 || milliseconds > TimeSpan.FromDays(1).TotalMilliseconds)
        {
            throw new PluginManifestException(Manifest, field, "must be a duration from 1ms to 24h, such as \"500ms\", \"5s\" or \"00:00:05\", or a number of milliseconds.");
        }

        return TimeSpan.FromMilliseconds(milliseconds);
    }

    private static double? ParseMilliseconds(string text)
    {
        text = text.Trim();
        foreach (var (suffix, scale) in new[] { ("ms", 1d), ("s", 1_000d), ("m", 60_000d), ("h", 3_600_000d) })
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) &&
                double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                return n * scale;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span.TotalMilliseconds : null;
    }
}

/// <summary>The engines of one script version: <c>entry.pool</c>.</summary>
/// <param name="Min">Engines made when the version starts and kept while it runs. <value>Default: 1.</value></param>
/// <param name="Max">Engines at most, one call each at a time. <value>Default: 4.</value></param>
/// <param name="Queue">Calls that may wait for an engine when all are busy; one more is refused. <value>Default: 64.</value></param>
public sealed record ScriptPoolOptions(int Min, int Max, int Queue)
{
    /// <summary>Gets the defaults: 1 to 4 engines, 64 waiting calls.</summary>
    public static ScriptPoolOptions Default { get; } = new(1, 4, 64);
}

/// <summary>What one call of a script may use: <c>entry.limits</c>. An engine that breaks one is discarded.</summary>
/// <param name="Timeout">
/// How long one call may run before it is interrupted; <see langword="null"/> for the manifest's <c>callTimeout</c>
/// (30 s when that is infinite). <value>Default: <see langword="null"/>.</value>
/// </param>
/// <param name="MemoryBytes">Memory one engine may hold (<c>memoryMb</c>). <value>Default: 64 MB.</value></param>
/// <param name="MaxDepth">How deep calls may nest in the script (<c>depth</c>). <value>Default: 200.</value></param>
/// <param name="MaxOutputBytes">How large a returned message may be, strings and items counted (<c>outputKb</c>). <value>Default: 1 MB.</value></param>
public sealed record ScriptLimits(TimeSpan? Timeout, long MemoryBytes, int MaxDepth, long MaxOutputBytes)
{
    /// <summary>The timeout when neither the entry nor the manifest's <c>callTimeout</c> sets one.</summary>
    public static readonly TimeSpan FallbackTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Gets the defaults.</summary>
    public static ScriptLimits Default { get; } = new(null, 64L * 1024 * 1024, 200, 1024L * 1024);

    /// <summary>Returns the timeout a call gets: <see cref="Timeout"/>, else the manifest's call timeout when finite, else <see cref="FallbackTimeout"/>.</summary>
    /// <param name="callTimeout">The manifest's call timeout.</param>
    /// <returns>The timeout.</returns>
    public TimeSpan EffectiveTimeout(TimeSpan callTimeout) =>
        Timeout ?? (callTimeout > TimeSpan.Zero && callTimeout != System.Threading.Timeout.InfiniteTimeSpan ? callTimeout : FallbackTimeout);
}
