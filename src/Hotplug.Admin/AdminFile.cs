using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hotplug.Admin;

/// <summary>What a running host writes to <c>&lt;state&gt;/admin.json</c> so tools can find and call it.</summary>
/// <param name="Url">The admin API's base URL, such as <c>http://127.0.0.1:7311</c>.</param>
/// <param name="Token">The bearer token every request must carry.</param>
/// <param name="Pid">The host's process id.</param>
public sealed record AdminFile(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("pid")] int Pid)
{
    /// <summary>The file name, in the host's state folder.</summary>
    public const string FileName = "admin.json";

    /// <summary>Writes the file readable and writable by its owner only (mode 0600) before it holds the token.</summary>
    /// <param name="statePath">The state folder.</param>
    /// <returns>The file's path.</returns>
    public string Write(string statePath)
    {
        Directory.CreateDirectory(statePath);
        var path = Path.Combine(statePath, FileName);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            if (!OperatingSystem.IsWindows())
            {
                // An existing file keeps its mode on open: narrow it before the token is written.
                File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            JsonSerializer.Serialize(stream, this);
        }

        return path;
    }

    /// <summary>
    /// Deletes the admin file at <paramref name="path"/> if it is still the one written with <paramref name="token"/>:
    /// a host never deletes the file of another host that wrote it since.
    /// </summary>
    /// <param name="path">The admin file.</param>
    /// <param name="token">The token the deleting host wrote.</param>
    /// <returns>Whether it was deleted.</returns>
    internal static bool DeleteIfWrittenWith(string path, string token)
    {
        try
        {
            var current = JsonSerializer.Deserialize<AdminFile>(File.ReadAllText(path));
            if (current?.Token != token)
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads the file a running host wrote.</summary>
    /// <param name="statePath">The host's state folder.</param>
    /// <returns>The file's contents.</returns>
    /// <exception cref="AdminApiException">No host is running with that state folder.</exception>
    public static AdminFile Read(string statePath)
    {
        var path = Path.Combine(statePath, FileName);
        if (!File.Exists(path))
        {
            throw new AdminApiException(
                "no_host",
                $"No Hotplug host is running with state folder {Path.GetFullPath(statePath)} (no {FileName} there). Start one with `hotplug run <plugins-dir> --state {statePath}`.",
                0);
        }

        try
        {
            return JsonSerializer.Deserialize<AdminFile>(File.ReadAllText(path))
                ?? throw new JsonException("empty");
        }
        catch (JsonException ex)
        {
            throw new AdminApiException("no_host", $"{path} is not a valid admin file: {ex.Message}", 0);
        }
    }
}
