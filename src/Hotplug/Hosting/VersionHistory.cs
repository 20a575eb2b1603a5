using System.Text.Json;
using Semver;

namespace Hotplug.Hosting;

/// <summary>
/// The highest version this host has run of each plugin, kept in <c>&lt;state&gt;/versions.json</c> so a
/// restart does not forget it: the host refuses to go back below it unless an operator allows a rollback.
/// </summary>
internal sealed class VersionHistory
{
    private readonly string _path;
    private readonly Dictionary<string, SemVersion> _highest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _allowed = new(StringComparer.Ordinal);
    private readonly object _sync = new();

    public VersionHistory(string statePath)
    {
        _path = Path.Combine(statePath, "versions.json");
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

    /// <summary>Records that <paramref name="version"/> of <paramref name="id"/> became active.</summary>
    public void Ran(string id, SemVersion version)
    {
        lock (_sync)
        {
            _allowed.Remove(id);
            if (_highest.TryGetValue(id, out var highest) && version.ComparePrecedenceTo(highest) <= 0)
            {
                return;
            }

            _highest[id] = version;
            var json = JsonSerializer.Serialize(_highest.ToDictionary(p => p.Key, p => p.Value.ToString()), new JsonSerializerOptions { WriteIndented = true });
            var temp = _path + ".tmp";
            File.WriteAllText(temp, json);
            File.Move(temp, _path, overwrite: true);
        }
    }
}
