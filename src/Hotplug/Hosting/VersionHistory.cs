using System.Text.Json;
using Semver;

namespace Hotplug.Hosting;

/// <summary>
/// The highest version this host has run of each plugin, kept in <c>&lt;state&gt;/versions.json</c> so a
/// restart does not forget it: the host refuses to go back below it unless an operator allows a rollback.
/// </summary>
internal sealed class VersionHistory
{
    /// <summary>The file's name, in the state folder.</summary>
    public const string FileName = "versions.json";

    private readonly string _path;
    private readonly Dictionary<string, SemVersion> _highest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _allowed = new(StringComparer.Ordinal);
    private readonly object _sync = new();
    private readonly RetryBackoff _retry = new();
    private bool _unsaved;
    private Exception? _lastError;

    public VersionHistory(string statePath)
    {
        _path = Path.Combine(statePath, FileName);
        if (!File.Exists(_path))
        {
            return;
        }

        try
        {
            foreach (var (id, version) in JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(_path)) ?? [])
            {
                if (SemVersion.TryParse(version, SemVersionStyles.Strict, out var parsed))
                {
                    _highest[id] = parsed;
                }
            }
        }
        catch (JsonException)
        {
            // A damaged history protects nothing; it is rewritten by the next version that starts.
        }
    }

    /// <summary>Returns the version this would downgrade from, or <see langword="null"/> when it is no downgrade or was allowed.</summary>
    public SemVersion? RefusedDowngradeFrom(string id, SemVersion version)
    {
        lock (_sync)
        {
            if (!_highest.TryGetValue(id, out var highest) || version.ComparePrecedenceTo(highest) >= 0)
            {
                return null;
            }

            return _allowed.TryGetValue(id, out var allowed) && allowed == version.ToString() ? null : highest;
        }
    }

    /// <summary>Lets the next start of <paramref name="id"/> go down to exactly <paramref name="version"/>.</summary>
    public void Allow(string id, string version)
    {
        lock (_sync)
        {
            _allowed[id] = version;
        }
    }

    /// <summary>Gets why the last write failed, or <see langword="null"/>.</summary>
    public Exception? LastError
    {
        get
        {
            lock (_sync)
            {
                return _lastError;
            }
        }
    }

    /// <summary>
    /// Records that <paramref name="version"/> of <paramref name="id"/> became active, in memory at once and on
    /// disk as a temporary file renamed over <c>versions.json</c>. Never throws: a failed write is returned, the
    /// history in memory still guards against downgrades, and <see cref="SaveIfDue"/> writes it later.
    /// </summary>
    /// <returns>Why the write failed, or <see langword="null"/>.</returns>
    public Exception? Ran(string id, SemVersion version, DateTimeOffset now)
    {
        lock (_sync)
        {
            _allowed.Remove(id);
            if (_highest.TryGetValue(id, out var highest) && version.ComparePrecedenceTo(highest) <= 0)
            {
                return null;
            }

            _highest[id] = version;
            _unsaved = true;
            return SaveLocked(now) ? null : _lastError;
        }
    }

    /// <summary>Writes the history if an earlier write failed and its retry is due.</summary>
    /// <returns>What came of it.</returns>
    public SaveResult SaveIfDue(DateTimeOffset now)
    {
        lock (_sync)
        {
            if (!_unsaved || _retry.Wait(now) > TimeSpan.Zero)
            {
                return SaveResult.NothingDue;
            }

            return SaveLocked(now) ? SaveResult.Saved : SaveResult.Failed;
        }
    }

    /// <summary>How long until a failed write is tried again, or <see langword="null"/> when nothing is unsaved.</summary>
    public TimeSpan? RetryWait(DateTimeOffset now)
    {
        lock (_sync)
        {
            return _unsaved ? _retry.Wait(now) ?? TimeSpan.Zero : null;
        }
    }

    private bool SaveLocked(DateTimeOffset now)
    {
        try
        {
            var json = JsonSerializer.Serialize(_highest.ToDictionary(p => p.Key, p => p.Value.ToString()), new JsonSerializerOptions { WriteIndented = true });
            var temp = _path + ".tmp";
            File.WriteAllText(temp, json);
            File.Move(temp, _path, overwrite: true);
            _unsaved = false;
            _lastError = null;
            _retry.Succeeded();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _lastError = ex;
            _retry.Failed(now);
            return false;
        }
    }
}

/// <summary>What came of writing <c>versions.json</c> again.</summary>
internal enum SaveResult
{
    /// <summary>Nothing was unsaved, or its retry is not due yet.</summary>
    NothingDue,

    /// <summary>It was written.</summary>
    Saved,

    /// <summary>It failed again; it is tried again later.</summary>
    Failed,
}
