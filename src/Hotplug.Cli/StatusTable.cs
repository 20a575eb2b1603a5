using System.Text.Json;
using Spectre.Console;

namespace Hotplug.Cli;

/// <summary>Renders plugin status as a table, from the host itself or from the admin API's JSON.</summary>
internal static class StatusTable
{
    public static Table FromStatus(IEnumerable<PluginStatus> plugins) =>
        Build(plugins.Select(p => new Row(
            p.Id,
            p.Version ?? "-",
            p.State.ToString(),
            p.InFlight,
            string.Join(", ", p.Contracts),
            p.LastError)));

    public static Table FromJson(JsonElement plugins) =>
        Build(plugins.EnumerateArray().Select(p => new Row(
            p.GetProperty("id").GetString()!,
            p.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "-",
            p.GetProperty("state").GetString()!,
            p.TryGetProperty("inFlight", out var f) ? f.GetInt64() : 0,
            string.Join(", ", p.GetProperty("contracts").EnumerateArray().Select(c => c.GetString())),
            p.TryGetProperty("lastError", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null)));

    private static Table Build(IEnumerable<Row> rows)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("id").AddColumn("version").AddColumn("state").AddColumn(new TableColumn("in flight").RightAligned())
            .AddColumn("contracts").AddColumn("last error");
        foreach (var row in rows)
        {
            table.AddRow(
                Cell(row.Id),
                Cell(row.Version),
                $"[{Colour(row.State)}]{Cell(row.State)}[/]",
                row.InFlight.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Cell(row.Contracts),
                Cell(Shorten(row.LastError)));
        }

        return table;
    }

    /// <summary>Text from the host or its plugins as a cell: no markup, no control characters.</summary>
    private static string Cell(string text) => Markup.Escape(LogText.Escape(text));

    private static string Colour(string state) => state.ToLowerInvariant() switch
    {
        "healthy" => "green",
        "degraded" or "draining" or "starting" or "staged" or "discovered" => "yellow",
        "failed" or "rejected" or "leaked" => "red",
        _ => "grey",
    };

    private static string Shorten(string? error) =>
        error is null ? string.Empty : error.Length <= 100 ? error : error[..97] + "...";

    private sealed record Row(string Id, string Version, string State, long InFlight, string Contracts, string? LastError);
}
