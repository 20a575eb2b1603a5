using Hotplug;
using Hotplug.Packaging;
using Microsoft.Extensions.Hosting;
using Ranking.Contracts;

namespace RankingService;

/// <summary>
/// The service's traffic: every half second it ranks a request with every ranker — <c>ranker</c> and <c>popular</c>
/// in process, <c>longtail</c> in its own process, <c>lua-ranker</c> and <c>js-ranker</c> as scripts, <c>fleet-ranker</c>
/// on the bus, served by two member processes in turn — and prints
/// which version answered. A version switch, or a saved script, shows up live.
/// </summary>
internal sealed class RankingLoop(IPluginHost plugins, IItemStore store, DemoOptions options, SigningKey signingKey, IHostApplicationLifetime lifetime) : BackgroundService
{
    private readonly Dictionary<string, int> _successes = new(StringComparer.Ordinal);

    public bool EveryPluginAnswered => Rankers.All(id => _successes.GetValueOrDefault(id) > 0);

    private static string[] Rankers => ["ranker", "popular", "longtail", "lua-ranker", "js-ranker", "fleet-ranker"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rankers = Rankers.Select(id => (id, plugins.Get<IRanker>(id))).ToArray();

        // No traffic before the plugins found at start have loaded (or failed to: then GetPlugins() says why).
        await plugins.WaitUntilLoadedAsync(stoppingToken);
        foreach (var plugin in plugins.GetPlugins().Where(p => p.State is not (PluginState.Healthy or PluginState.Degraded)))
        {
            Console.WriteLine($"{plugin.Id,-16} does not serve: {plugin.State} {plugin.LastError}");
        }

        var started = DateTimeOffset.UtcNow;
        var upgraded = false;
        var edited = false;
        var random = new Random(7);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var elapsed = DateTimeOffset.UtcNow - started;
            if (!upgraded && options.UpgradeAfter is { } upgradeAfter && elapsed >= upgradeAfter)
            {
                upgraded = true;
                Console.WriteLine("demo: shipping ranker 2.0.0 by copying it over plugins/ranker while traffic flows");
                DemoPlugins.UpgradeRanker(options.PluginsPath, signingKey);
            }

            if (!edited && options.EditAfter is { } editAfter && elapsed >= editAfter)
            {
                edited = true;
                Console.WriteLine("demo: saving an edit of plugins/lua-ranker/rank.lua (its rule becomes 'score only') while traffic flows");
                DemoPlugins.EditLuaRanker(options.PluginsPath, signingKey);
            }

            if (options.ExitAfter is { } exitAfter && elapsed >= exitAfter)
            {
                Environment.ExitCode = EveryPluginAnswered ? 0 : 1;
                lifetime.StopApplication();
                return;
            }

            var items = store.All().OrderBy(_ => random.Next()).Take(6).Select(i => new RankItem(i.Id, Math.Round(random.NextDouble(), 2))).ToList();
            var request = new RankRequest("user-42", items);
            foreach (var (id, ranker) in rankers)
            {
                await RankAsync(id, ranker, request, stoppingToken);
            }
        }
    }

    private async Task RankAsync(string id, IRanker ranker, RankRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ranker.RankAsync(request, cancellationToken);
            _successes[id] = _successes.GetValueOrDefault(id) + 1;
            Console.WriteLine($"{response.Strategy,-16} top 3: {string.Join(", ", response.Ids.Take(3))}");
        }
        catch (PluginUnavailableException)
        {
            Console.WriteLine($"{id,-16} not loaded yet");
        }
        catch (PluginException ex)
        {
            Console.WriteLine($"{id,-16} failed: {ex.Message}");
        }
    }
}
