using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Hotplug.Cli;

/// <summary>
/// Renders plugin status as a table, from the host itself or from the admin API's JSON. Last errors are long (a
/// path, a hint of what to do): they follow the table, each whole, rather than being squeezed into a column.
/// </summary>
internal static class StatusTable
{
    /// <summary>The live view's table, its plugins' last errors below it (wrapped by the terminal at words).</summary>
    public static IRenderable FromStatus(IEnumerable<PluginStatus> plugins)
    {
        var rows = plugins.Select(p => new Row(p.Id, p.Version ?? "-", p.State.ToString(), p.InFlight, Pool(p.Pool), string.Join(", ", p.Contracts), p.LastError)).ToList();
        var errors = Errors(rows).Select(e => (IRenderable)new Text(e)).ToList();
        return errors.Count == 0 ? Build(rows) : new Rows([Build(rows), .. errors]);
    }

    /// <summary>The table of <c>hotplug ls</c>; <see cref="Errors(JsonElement)"/> go below it.</summary>
    public static Table FromJson(JsonElement plugins) => Build([.. plugins.EnumerateArray().Select(FromJsonRow)]);

    /// <summary>The plugins' last errors, one line each (<c>id: error</c>), whole; empty when none has one.</summary>
    public static IEnumerable<string> Errors(JsonElement plugins) => Errors([.. plugins.EnumerateArray().Select(FromJsonRow)]);

    private static IEnumerable<string> Errors(List<Row> rows) =>
        rows.Where(r => r.LastError is not null).Select(r => $"{LogText.Escape(r.Id)}: {LogText.Escape(r.LastError!)}");

    private static Row FromJsonRow(JsonElement p) => new(
        p.GetProperty("id").GetString()!,
        p.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "-",
        p.GetProperty("state").GetString()!,
        p.TryGetProperty("inFlight", out var f) ? f.GetInt64() : 0,
        p.TryGetProperty("pool", out var pool) && pool.ValueKind == JsonValueKind.Object ? Pool(pool.Deserialize<PluginPoolStatus>(JsonSerializerOptions.Web)) : string.Empty,
        string.Join(", ", p.GetProperty("contracts").EnumerateArray().Select(c => c.GetString())),
        p.TryGetProperty("lastError", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null);

    private static Table Build(List<Row> rows)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("id").AddColumn("version").AddColumn("state").AddColumn(new TableColumn("in flight").RightAligned()).AddColumn("pool")
            .AddColumn("contracts").AddColumn("last error");
        foreach (var row in rows)
        {
            table.AddRow(
                Cell(row.Id),
                Cell(row.Version),
                $"[{Colour(row.State)}]{Cell(row.State)}[/]",
                row.InFlight.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Cell(row.Pool),
                Cell(row.Contracts),
                row.LastError is null ? string.Empty : "[red]below[/]");
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

    /// <summary>A pool's use in a few words: <c>1/4 busy (max 8), 2 waiting, 3 refused, 1 discarded</c>; empty for a runtime that does not pool.</summary>
    private static string Pool(PluginPoolStatus? pool)
    {
        if (pool is null)
        {
            return string.Empty;
        }

        var text = $"{pool.Busy}/{pool.Size} busy (max {pool.Max})";
        text += pool.Waiting > 0 ? $", {pool.Waiting} waiting" : string.Empty;
        text += pool.Refused > 0 ? $", {pool.Refused} refused" : string.Empty;
        return text + (pool.Discarded > 0 ? $", {pool.Discarded} discarded" : string.Empty);
    }

    private sealed record Row(string Id, string Version, string State, long InFlight, string Pool, string Contracts, string? LastError);
}
