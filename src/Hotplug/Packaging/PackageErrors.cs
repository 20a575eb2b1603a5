namespace Hotplug.Packaging;

/// <summary>
/// The stable codes of package rejections, and of the store's and the state folder's failures. Each has a
/// section in <c>docs/errors.md</c> that says what happened and what to do.
/// </summary>
public static class PackageErrors
{
    /// <summary>The package has no <c>plugin.sig</c> and the host requires signed packages.</summary>
    public const string Unsigned = "HP1001";

    /// <summary>The signature does not verify against <c>plugin.json</c>: the manifest or the signature was changed.</summary>
    public const string BadSignature = "HP1002";

    /// <summary>The signing key is not in the host's trust folder.</summary>
    public const string UnknownKey = "HP1003";

    /// <summary>The signing key is revoked.</summary>
    public const string RevokedKey = "HP1004";

    /// <summary>The plugin id is pinned to other keys than the one that signed it.</summary>
    public const string UnpinnedKey = "HP1005";

    /// <summary><c>plugin.sig</c> is malformed or names an algorithm the host does not support.</summary>
    public const string MalformedSignature = "HP1006";

    /// <summary>A file in the package is not listed in the manifest's <c>files</c>.</summary>
    public const string UnlistedFile = "HP1010";

    /// <summary>A file listed in the manifest is missing from the package.</summary>
    public const string MissingFile = "HP1011";

    /// <summary>A file's size differs from the manifest.</summary>
    public const string SizeMismatch = "HP1012";

    /// <summary>A file's SHA-256 differs from the manifest.</summary>
    public const string HashMismatch = "HP1013";

    /// <summary>The package contains a symbolic link.</summary>
    public const string SymbolicLink = "HP1014";

    /// <summary>The manifest lists no files (or lists them wrongly), so nothing can be verified.</summary>
    public const string NoFileList = "HP1015";

    /// <summary>A zip entry's path climbs out of the package (<c>..</c>).</summary>
    public const string ZipTraversal = "HP1020";

    /// <summary>A zip entry has an absolute path.</summary>
    public const string ZipAbsolutePath = "HP1021";

    /// <summary>Two zip entries have the same name.</summary>
    public const string ZipDuplicateEntry = "HP1022";

    /// <summary>The zip expands past the host's size limit.</summary>
    public const string ZipTooLarge = "HP1023";

    /// <summary>The zip cannot be read.</summary>
    public const string ZipCorrupt = "HP1024";

    /// <summary>The package holds more files (a zip, more entries) than the host's <see cref="HotplugOptions.MaxPackageFiles"/>.</summary>
    public const string TooManyFiles = "HP1025";

    /// <summary>A version's store copy no longer matches what was verified when it was staged: something wrote to the store.</summary>
    public const string StoreCopyChanged = PluginStartException.StoreCopyChanged;

    /// <summary>Two verified packages in the plugins folder claim the same plugin id; the later one is not loaded.</summary>
    public const string DuplicateId = "HP1027";

    /// <summary>A package could not be written into the store (a disk or file system error); the host tries again.</summary>
    public const string StoreWriteFailed = "HP1028";

    /// <summary>The host's bookkeeping (<c>versions.json</c>) could not be written; the host tries again.</summary>
    public const string BookkeepingWriteFailed = "HP1029";

    /// <summary>The version is lower than the highest this host has run for the plugin.</summary>
    public const string Downgrade = "HP1030";

    /// <summary>Another host holds the state folder's lock: two hosts must not share a state folder.</summary>
    public const string StateFolderInUse = "HP1031";
}

/// <summary>A package was rejected. <see cref="Code"/> is one of <see cref="PackageErrors"/>.</summary>
public sealed class PackageVerificationException : PluginException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">The error code (<c>HP1xxx</c>).</param>
    /// <param name="message">What is wrong and what to do.</param>
    /// <param name="pluginId">The plugin id, when known.</param>
    /// <param name="version">The plugin version, when known.</param>
    public PackageVerificationException(string code, string message, string? pluginId = null, string? version = null)
        : base($"{code}: {message}", pluginId, version)
    {
        Code = code;
        Reason = message;
    }

    /// <summary>Gets the error code, such as <c>HP1013</c>.</summary>
    public string Code { get; }

    /// <summary>Gets what is wrong and what to do, without the code.</summary>
    internal string Reason { get; }

    /// <summary>The same rejection, naming the plugin and version its package claims.</summary>
    internal PackageVerificationException Naming(string? pluginId, string? version) =>
        new(Code, Reason, PluginId ?? pluginId, Version ?? version);
}
