namespace Hotplug.Manifest;

/// <summary>
/// The stable codes of manifest errors (<c>plugin.json</c>). Each has a section in <c>docs/errors.md</c> that
/// says what happened and what to do; <see cref="PluginManifestException.Code"/> carries it and the message
/// starts with it.
/// </summary>
public static class ManifestErrors
{
    /// <summary>The manifest is invalid, reported by code that gave no more specific reason (a runtime's own check, say).</summary>
    public const string Invalid = "HP1100";

    /// <summary><c>plugin.json</c> is missing, or cannot be read.</summary>
    public const string Unreadable = "HP1101";

    /// <summary>The manifest is not valid JSON, or not a JSON object.</summary>
    public const string NotJson = "HP1102";

    /// <summary>An object of the manifest, at the root or nested, has the same key twice.</summary>
    public const string DuplicateKey = "HP1103";

    /// <summary>A field is not one the manifest has (a typo, say).</summary>
    public const string UnknownField = "HP1104";

    /// <summary>A required field is missing or <c>null</c>.</summary>
    public const string MissingField = "HP1105";

    /// <summary>A field has the wrong JSON type (a number for a string, say), or is an empty string.</summary>
    public const string WrongType = "HP1106";

    /// <summary>The <c>id</c> is not a valid plugin id.</summary>
    public const string BadId = "HP1107";

    /// <summary>The <c>version</c> is not a semantic version.</summary>
    public const string BadVersion = "HP1108";

    /// <summary>The <c>runtime</c> is not one the host has.</summary>
    public const string UnknownRuntime = "HP1109";

    /// <summary>The <c>entry</c> is invalid for its runtime, or names a file outside the plugin folder.</summary>
    public const string BadEntry = "HP1110";

    /// <summary>A duration (<c>callTimeout</c>, <c>drainTimeout</c>) is not a duration, not positive, or too long.</summary>
    public const string BadDuration = "HP1111";

    /// <summary>An entry of <c>files</c> is malformed, climbs out of the package, or is listed twice.</summary>
    public const string BadFileList = "HP1112";
}
