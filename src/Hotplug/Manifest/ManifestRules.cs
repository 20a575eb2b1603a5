using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Semver;

namespace Hotplug.Manifest;

/// <summary>
/// What a plugin id and a plugin version must look like, as <c>plugin.json</c> requires: for faces (an admin
/// API, a tool) that take an id or a version from outside and must refuse what no manifest could declare.
/// </summary>
public static partial class ManifestRules
{
    /// <summary>The most characters a plugin id has.</summary>
    public const int MaxIdLength = 64;

    /// <summary>
    /// Gets whether <paramref name="id"/> is a valid plugin id: 1–64 of <c>a-z 0-9 . - _</c>, starting with a
    /// letter or digit, and nothing else (no trailing newline, no path separator).
    /// </summary>
    /// <param name="id">The text to check.</param>
    /// <returns><see langword="true"/> when it is a valid plugin id.</returns>
    public static bool IsValidId([NotNullWhen(true)] string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>Gets whether <paramref name="version"/> is a strict semantic version (<c>1.2.0</c>, <c>2.0.0-beta.1</c>).</summary>
    /// <param name="version">The text to check.</param>
    /// <returns><see langword="true"/> when it is a semantic version.</returns>
    public static bool IsValidVersion([NotNullWhen(true)] string? version) => TryParseVersion(version, out _);

    internal static bool TryParseVersion([NotNullWhen(true)] string? text, [NotNullWhen(true)] out SemVersion? version)
    {
        version = null;
        return text is not null && SemVersion.TryParse(text, SemVersionStyles.Strict, out version);
    }

    // \A and \z, not ^ and $: '$' also matches before a final newline, which would let "echo\n" in as a second "echo".
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9._-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
