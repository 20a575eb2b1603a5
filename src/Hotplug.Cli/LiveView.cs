using Spectre.Console;
using Spectre.Console.Rendering;

namespace Hotplug.Cli;

/// <summary>The live status table of <c>hotplug run</c> on a terminal: plugins, then the latest lifecycle changes.</summary>
internal static class LiveView
{
    public static async Task RunAsync(IPluginHost host, RecentEvents events, string statePath, CancellationToken cancellationToken)
    {
        await AnsiConsole.Live(Render(host, events, statePath)).AutoClear(false).StartAsync(async context =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                context.UpdateTarget(Render(host, events, statePath));
                try
                {
                    await events.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    private static IRenderable Render(IPluginHost host, RecentEvents events, string statePath)
    {
        var recent = new Rows(events.Snapshot().Select(e => new Markup(Markup.Escape(e))).DefaultIfEmpty(new Markup("[grey]no changes yet[/]")));
        return new Rows(
            new Markup($"[bold]hotplug[/] — admin: {Markup.Escape(Path.Combine(statePath, "admin.json"))} — Ctrl+C stops, drained"),
            StatusTable.FromStatus(host.GetPlugins()),
            new Panel(recent).Header("recent changes").Border(BoxBorder.Rounded));
    }
}
