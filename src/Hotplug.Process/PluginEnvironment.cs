using System.Collections;
using Hotplug.Process.Protocol;

namespace Hotplug.Process;

/// <summary>
/// What a plugin process sees of the host's environment: by default only what a program needs to run — where to
/// find programs, its user and home, the locale and time zone, TLS trust settings and the .NET runtime's own
/// settings — never the host's secrets (database passwords, cloud keys, tokens). A host or a manifest names more
/// variables to pass. The protocol's variables (the magic cookie, <c>PLUGIN_*</c>, <c>HOTPLUG_*</c>) are set by the
/// host on top; nothing of the host's own <c>PLUGIN_*</c> or <c>HOTPLUG_*</c> passes.
/// </summary>
internal static class PluginEnvironment
{
    /// <summary>The host variables every plugin gets, when the host has them.</summary>
    public static readonly IReadOnlyList<string> DefaultNames =
    [
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR",
    ];

    /// <summary>
    /// The prefixes of host variables every plugin gets: the locale's <c>LC_*</c>, and the .NET runtime's settings
    /// (<c>DOTNET_ROOT</c>, which a framework-dependent .NET plugin needs to find the runtime when <c>dotnet</c> is
    /// not installed in its usual place; <c>DOTNET_SYSTEM_GLOBALIZATION_INVARIANT</c>, without which it fails where ICU
    /// is missing; the GC's settings), with their older <c>COMPlus_*</c> and the host muxer's <c>COREHOST_*</c>.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultPrefixes = ["LC_", "DOTNET_", "COMPlus_", "COREHOST_"];

    /// <summary>On Windows, the variables without which programs (and its TLS and networking) do not run.</summary>
    public static readonly IReadOnlyList<string> WindowsNames =
    [
        "SystemRoot", "SystemDrive", "windir", "ComSpec", "PATHEXT", "TEMP", "TMP", "USERNAME", "USERPROFILE", "APPDATA",
        "LOCALAPPDATA", "ProgramData", "ProgramFiles", "ProgramFiles(x86)", "ProgramW6432", "CommonProgramFiles",
        "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE",
    ];

    /// <summary>
    /// Replaces <paramref name="target"/> (a <see cref="System.Diagnostics.ProcessStartInfo.Environment"/>, which starts as
    /// a copy of the host's) with the host variables a plugin may see: the defaults and <paramref name="allowed"/>.
    /// </summary>
    /// <param name="target">The child's environment.</param>
    /// <param name="allowed">More names to pass: exact names, or a prefix followed by <c>*</c>.</param>
    public static void Apply(IDictionary<string, string?> target, IEnumerable<string> allowed)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var names = new HashSet<string>(DefaultNames, StringComparer.FromComparison(comparison));
        var prefixes = new List<string>(DefaultPrefixes);
        if (OperatingSystem.IsWindows())
        {
            names.UnionWith(WindowsNames);
        }

        foreach (var name in allowed)
        {
            if (name.EndsWith('*'))
            {
                prefixes.Add(name[..^1]);
            }
            else
            {
                names.Add(name);
            }
        }

        target.Clear();
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            var name = (string)variable.Key;
            if (ProtocolEnvironment.IsProtocolVariable(name, comparison))
            {
                // Set by the host for this plugin, never inherited: a host started as some other program's plugin
                // must not hand its own cookie or socket folder on.
                continue;
            }

            if (names.Contains(name) || prefixes.Any(p => name.StartsWith(p, comparison)))
            {
                target[name] = (string?)variable.Value;
            }
        }
    }
}
