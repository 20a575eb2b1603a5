using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hotplug.Manifest;

/// <summary>Durations in a manifest: <c>250ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, <c>00:00:05</c>, a number of milliseconds, or <c>infinite</c>.</summary>
internal static partial class ManifestDurations
{
    /// <summary>
    /// The longest finite duration a manifest may set: 24 days, under the 2^31 − 1 milliseconds that timers and
    /// <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> take on every platform.
    /// </summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(24);

    private const double SaturateAbove = 1e12;

    private const string Help = "use a duration such as \"500ms\", \"5s\", \"2m\" or \"00:00:05\", or a number of milliseconds";

    /// <summary>
    /// Parses a duration. A number too large for <see cref="TimeSpan"/> (<c>99999999999h</c>) parses as
    /// <see cref="TimeSpan.MaxValue"/>, which callers refuse as too long; nothing overflows.
    /// </summary>
    /// <returns><see langword="false"/> when <paramref name="text"/> is not a duration.</returns>
    public static bool TryParse(string text, out TimeSpan value)
    {
        text = text.Trim();
        if (IsInfinite(text))
        {
            value = Timeout.InfiniteTimeSpan;
            return true;
        }

        var match = DurationPattern().Match(text);
        if (match.Success)
        {
            var number = double.Parse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            var milliseconds = number * match.Groups[2].Value switch
            {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                _ => 3_600_000,
            };
            value = FromMilliseconds(milliseconds);
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Reads an optional duration field: positive, at most <see cref="Max"/>, and infinite only where allowed.</summary>
    /// <exception cref="PluginManifestException">The field is not such a duration (<see cref="ManifestErrors.BadDuration"/>).</exception>
    public static TimeSpan? Read(string path, JsonElement root, string name, string id, bool allowInfinite)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        TimeSpan duration;
        if (value.ValueKind == JsonValueKind.Number)
        {
            // TryGetDouble is false for numbers past double's range (1e400); both are too long.
            duration = value.TryGetDouble(out var ms) ? FromMilliseconds(ms) : TimeSpan.MaxValue;
        }
        else if (value.ValueKind != JsonValueKind.String || !TryParse(value.GetString()!, out duration))
        {
            var shown = value.ValueKind == JsonValueKind.String ? $"'{ManifestFields.Printable(value.GetString()!)}'" : ManifestFields.Describe(value.ValueKind);
            throw new PluginManifestException(ManifestErrors.BadDuration, path, name, $"{shown} is not a duration: {Help}.", id);
        }

        // Only the word means no limit: -1 ms is Timeout.InfiniteTimeSpan's value, yet a negative duration is a mistake.
        if (value.ValueKind == JsonValueKind.String && IsInfinite(value.GetString()!))
        {
            return allowInfinite
                ? duration
                : throw new PluginManifestException(ManifestErrors.BadDuration, path, name, $"must be finite, at most {Max.TotalDays:0} days.", id);
        }

        if (duration <= TimeSpan.Zero)
        {
            throw new PluginManifestException(ManifestErrors.BadDuration, path, name, $"must be positive; {Help}.", id);
        }

        if (duration > Max)
        {
            throw new PluginManifestException(
                ManifestErrors.BadDuration,
                path,
                name,
                $"is too long: at most {Max.TotalDays:0} days{(allowInfinite ? ", or \"infinite\" for no limit" : string.Empty)}.",
                id);
        }

        return duration;
    }

    private static bool IsInfinite(string text) => string.Equals(text.Trim(), "infinite", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Milliseconds as a <see cref="TimeSpan"/>, saturating at <see cref="TimeSpan.MaxValue"/> and
    /// <see cref="TimeSpan.MinValue"/> instead of overflowing. Past about 31 years the exact value does not
    /// matter: anything above <see cref="Max"/> is refused.
    /// </summary>
    private static TimeSpan FromMilliseconds(double milliseconds) =>
        double.IsNaN(milliseconds) ? TimeSpan.Zero
        : milliseconds > SaturateAbove ? TimeSpan.MaxValue
        : milliseconds < -SaturateAbove ? TimeSpan.MinValue
        : TimeSpan.FromTicks((long)(milliseconds * TimeSpan.TicksPerMillisecond));

    [GeneratedRegex(@"\A(\d+(?:\.\d+)?)\s*(ms|s|m|h)\z", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
