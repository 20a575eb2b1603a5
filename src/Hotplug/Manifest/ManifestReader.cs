using System.Text.Json;
using Hotplug.Runtimes;

namespace Hotplug.Manifest;

/// <summary>
/// Reads and validates <c>plugin.json</c>. Every problem is a <see cref="PluginManifestException"/> with its code
/// (<see cref="ManifestErrors"/>), the file and the field; nothing else escapes, whatever the input.
/// </summary>
internal static class ManifestReader
{
    private static readonly HashSet<string> KnownFields = new(StringComparer.Ordinal)
    {
        "$schema", "id", "version", "runtime", "entry", "contracts", "callTimeout", "drainTimeout", "enabled", "config", "description", "files",
    };

    /// <summary>Reads the manifest at <paramref name="path"/>.</summary>
    /// <exception cref="PluginManifestException">The file is missing, not JSON, or a field is missing or invalid.</exception>
    public static PluginManifest Read(string path, IReadOnlyDictionary<string, IPluginRuntime>? runtimes = null)
    {
        byte[] bytes;
        try
        {
            bytes = Packaging.PackageFiles.ReadSmall(path, Packaging.PackageFiles.MaxManifestBytes, problem => new PluginManifestException(ManifestErrors.Unreadable, path, null, problem + ".", null));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginManifestException(ManifestErrors.Unreadable, path, null, $"cannot be read: {ex.Message}", null);
        }

        return Parse(path, bytes, runtimes);
    }

    /// <summary>Parses a manifest.</summary>
    /// <param name="path">The file, named in errors.</param>
    /// <param name="json">Its bytes.</param>
    /// <param name="runtimes">
    /// The runtimes the host has, which validate their own <c>entry</c> (<see cref="IPluginRuntime.ReadEntry"/>); a
    /// manifest that names another is rejected. <see langword="null"/> accepts any runtime and leaves every entry
    /// unchecked but for being an object: tools pass the runtimes they check entries with.
    /// </param>
    /// <exception cref="PluginManifestException">The manifest is invalid.</exception>
    public static PluginManifest Parse(string path, ReadOnlyMemory<byte> json, IReadOnlyDictionary<string, IPluginRuntime>? runtimes = null)
    {
        using var document = ManifestJson.Parse(path, json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new PluginManifestException(ManifestErrors.NotJson, path, null, $"must be a JSON object, not {ManifestFields.Describe(root.ValueKind)}.", null);
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!KnownFields.Contains(property.Name))
            {
                throw new PluginManifestException(
                    ManifestErrors.UnknownField,
                    path,
                    ManifestFields.Printable(property.Name),
                    $"is not a manifest field. Known fields: {string.Join(", ", KnownFields.Where(f => f != "$schema"))}.",
                    null);
            }
        }

        var id = ManifestFields.RequiredString(path, root, "id", null);
        if (!ManifestRules.IsValidId(id))
        {
            throw new PluginManifestException(
                ManifestErrors.BadId,
                path,
                "id",
                $"'{ManifestFields.Printable(id)}' is not a valid plugin id: use 1-{ManifestRules.MaxIdLength} lower-case letters, digits, '.', '-' or '_', starting with a letter or digit.",
                null);
        }

        var versionText = ManifestFields.RequiredString(path, root, "version", id);
        if (!ManifestRules.TryParseVersion(versionText, out var version))
        {
            throw new PluginManifestException(
                ManifestErrors.BadVersion,
                path,
                "version",
                $"'{ManifestFields.Printable(versionText)}' is not a semantic version (MAJOR.MINOR.PATCH, such as 1.2.0 or 2.0.0-beta.1).",
                id);
        }

        var runtime = ManifestFields.RequiredString(path, root, "runtime", id);
        IPluginRuntime? runner = null;
        if (runtimes is not null && !runtimes.TryGetValue(runtime, out runner))
        {
            throw new PluginManifestException(
                ManifestErrors.UnknownRuntime,
                path,
                "runtime",
                $"'{ManifestFields.Printable(runtime)}' is not a runtime this host knows. Known runtimes: {string.Join(", ", runtimes.Keys.Order(StringComparer.Ordinal))}.",
                id);
        }

        var entry = ReadEntry(path, root, id, runtime, runner, out var entryFiles);
        return new PluginManifest
        {
            Path = path,
            Id = id,
            Version = version,
            Runtime = runtime,
            Entry = entry.Clone(),
            EntryFiles = entryFiles,
            Contracts = ManifestFields.ReadContracts(path, root, id),
            CallTimeout = ManifestDurations.Read(path, root, "callTimeout", id, allowInfinite: true),
            DrainTimeout = ManifestDurations.Read(path, root, "drainTimeout", id, allowInfinite: false),
            Enabled = ManifestFields.OptionalBool(path, root, "enabled", id) ?? true,
            Config = ManifestFields.ReadConfig(path, root, id),
            Files = ManifestFields.ReadFiles(path, root, id),
        };
    }

    /// <summary>Reads the <c>entry</c> object; the runtime (when the caller has it) checks it and names the files it needs.</summary>
    private static JsonElement ReadEntry(string path, JsonElement root, string id, string runtime, IPluginRuntime? runner, out IReadOnlyList<string> entryFiles)
    {
        if (!root.TryGetProperty("entry", out var entry) || entry.ValueKind == JsonValueKind.Null)
        {
            throw new PluginManifestException(
                ManifestErrors.MissingField,
                path,
                "entry",
                "is missing: name what the runtime runs, such as { \"assembly\": \"Ranker.dll\", \"type\": \"Ranker.Plugin\" } (assembly) or { \"executable\": \"ranker\" } (process).",
                id);
        }

        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new PluginManifestException(ManifestErrors.WrongType, path, "entry", $"must be an object, not {ManifestFields.Describe(entry.ValueKind)}.", id);
        }

        try
        {
            entryFiles = runner?.ReadEntry(entry) ?? [];
        }
        catch (PluginManifestException ex)
        {
            // Runtimes report the field; the reader knows the file. A runtime's error without a code of its own is a bad entry.
            var code = ex.Code == ManifestErrors.Invalid ? ManifestErrors.BadEntry : ex.Code;
            throw new PluginManifestException(code, path, ex.Field, ex.Reason, id);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            // A runtime that trips over an entry it does not expect must not take the reconcile pass down with it:
            // the entry is input, and input that cannot be read is a rejection of this plugin only.
            var reason = ex is PluginException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
            throw new PluginManifestException(ManifestErrors.BadEntry, path, "entry", $"the '{runtime}' runtime cannot read it: {reason}", id);
        }

        foreach (var file in entryFiles)
        {
            if (System.IO.Path.IsPathRooted(file) || file.Split('/', '\\').Contains(".."))
            {
                throw new PluginManifestException(ManifestErrors.BadEntry, path, "entry", $"'{ManifestFields.Printable(file)}' must be a path relative to the plugin folder, inside it.", id);
            }
        }

        return entry;
    }
}
