using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Hotplug.Cli;

/// <summary><c>hotplug ls &lt;id&gt;</c>: one plugin's status as lines of text, its last error and history whole.</summary>
internal static class PluginDetails
{
    public static string Format(JsonElement plugin)
    {
        var text = new StringBuilder();
        Line("id", Field(plugin, "id"));
        Line("version", Field(plugin, "version"));
        Line("runtime", Field(plugin, "runtime"));
        Line("state", Field(plugin, "state"));
        Line("contracts", plugin.TryGetProperty("contracts", out var contracts) ? string.Join(", ", contracts.EnumerateArray().Select(c => c.GetString())) : null);
        Line("in flight", plugin.TryGetProperty("inFlight", out var inFlight) ? inFlight.GetInt64().ToString(CultureInfo.InvariantCulture) : null);
        Line("active since", Field(plugin, "activeSince"));
        Line("source", Field(plugin, "sourcePath"));
        Line("store", Field(plugin, "storePath"));
        Line("last error", Field(plugin, "lastError"));
        if (plugin.TryGetProperty("previousVersions", out var history) && history.GetArrayLength() > 0)
        {
            text.AppendLine("history:");
            foreach (var record in history.EnumerateArray())
            {
                var reason = Field(record, "reason");
                text.Append("  ").Append(Field(record, "at")).Append("  ").Append(Field(record, "version")).Append("  ").Append(Field(record, "state"))
                    .AppendLine(reason is null ? string.Empty : "  " + reason);
            }
        }

        return text.ToString();

        void Line(string name, string? value) => text.Append(name).Append(": ").AppendLine(value ?? "-");
    }

    /// <summary>A field as one line of text, control characters escaped (it comes from plugins and their files).</summary>
    private static string? Field(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is not JsonValueKind.Null and not JsonValueKind.Undefined
            ? LogText.Escape(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText())
            : null;
}
