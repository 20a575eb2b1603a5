using System.Reflection;
using Hotplug;
using Hotplug.Process;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ranking.Contracts;

namespace Hotplug.Samples.Tests;

/// <summary>The demo's three plugins, loaded into a real host from the packages the demo's build laid out.</summary>
public sealed class SampleRankerTests : IAsyncLifetime
{
    internal static readonly string DemoPath = typeof(SampleRankerTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DemoPath").Value!;

    private static readonly RankRequest Request = new("u1", [new("item-01", 0.9), new("item-05", 0.8), new("item-02", 0.7), new("item-03", 0.7)]);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hotplug-sample-tests", Guid.NewGuid().ToString("N")[..10]);
    private IHost _host = null!;
    private IPluginHost _plugins = null!;

    public async Task InitializeAsync()
    {
        var plugins = Path.Combine(_root, "plugins");
        Copy("ranker-v1", Path.Combine(plugins, "ranker"));
        Copy("ranker-v2", Path.Combine(plugins, "diverse-as-v2"));
        Copy("popular", Path.Combine(plugins, "popular"));
        Copy("longtail", Path.Combine(plugins, "longtail"));
        // Give the v2 package its own id so both versions can be compared side by side.
        var manifest = Path.Combine(plugins, "diverse-as-v2", "plugin.json");
        await File.WriteAllTextAsync(manifest, (await File.ReadAllTextAsync(manifest)).Replace("\"id\": \"ranker\"", "\"id\": \"diverse\"", StringComparison.Ordinal));

        // The sample's one-second call timeout is the demo's; what these tests check is the ranking, also on a loaded machine.
        var longtail = Path.Combine(plugins, "longtail", "plugin.json");
        await File.WriteAllTextAsync(longtail, (await File.ReadAllTextAsync(longtail)).Replace("\"callTimeout\": \"1s\"", "\"callTimeout\": \"60s\"", StringComparison.Ordinal));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IItemStore, Store>();
        builder.Services.AddHotplug(o =>
        {
            o.PluginsPath = plugins;
            o.StatePath = Path.Combine(_root, "state");
            o.StabilityWindow = TimeSpan.Zero;
            o.RequireSignedPackages = false;

            // Not what these tests are about: generous, so a loaded machine starting four plugins at once is not a failure.
            o.StartTimeout = TimeSpan.FromMinutes(2);
        }).ExportService<IItemStore>().AddProcessRuntime(o => o.HandshakeTimeout = TimeSpan.FromMinutes(2));
        _host = builder.Build();
        await _host.StartAsync();
        _plugins = _host.Services.GetRequiredService<IPluginHost>();
        await _host.Services.GetRequiredService<IPluginAdmin>().RescanAsync();
        foreach (var id in new[] { "ranker", "diverse", "popular", "longtail" })
        {
            var status = _plugins.GetPlugin(id);
            Assert.True(status?.State == PluginState.Healthy, $"{id} is {status?.State}: {status?.LastError}");
        }
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task ByScore_RanksByScoreThenId()
    {
        var response = await _plugins.Get<IRanker>("ranker").RankAsync(Request);

        Assert.Equal(["item-01", "item-05", "item-02", "item-03"], response.Ids);
        Assert.Equal("ranker@1.0.0", response.Strategy);
    }

    [Fact]
    public async Task Diverse_NeverTwoOfACategoryInARow()
    {
        // Categories from the store: 01 shoes, 05 shoes, 02 books, 03 books.
        var response = await _plugins.Get<IRanker>("diverse").RankAsync(Request);

        Assert.Equal(["item-01", "item-02", "item-05", "item-03"], response.Ids);
        Assert.Equal("diverse@2.0.0", response.Strategy);
    }

    [Fact]
    public async Task Popular_WeighsScoreByThePopularityInTheHostsStore()
    {
        // Popularity: 01 0.1, 05 0.5, 02 0.2, 03 0.9 → weighted 0.09, 0.40, 0.14, 0.63.
        var response = await _plugins.Get<IRanker>("popular").RankAsync(Request);

        Assert.Equal(["item-03", "item-05", "item-02", "item-01"], response.Ids);
        Assert.Equal("popular@1.0.0", response.Strategy);
    }

    [Fact]
    public async Task LongTail_InItsOwnProcess_DividesScoreByThePopularityItReadsFromTheHostsStore()
    {
        // Popularity through the broker: 01 0.1, 05 0.5, 02 0.2, 03 0.9 → 0.9/1.1, 0.8/1.5, 0.7/1.2, 0.7/1.9.
        var response = await _plugins.Get<IRanker>("longtail").RankAsync(Request);

        Assert.Equal(["item-01", "item-02", "item-05", "item-03"], response.Ids);
        Assert.Equal("longtail@1.0.0", response.Strategy);
        Assert.Equal("process", _plugins.GetPlugin("longtail")!.Runtime);
    }

    private static void Copy(string package, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Path.Combine(DemoPath, "packages", package)))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
    }

    private sealed class Store : IItemStore
    {
        private readonly Dictionary<string, ItemInfo> _items = new()
        {
            ["item-01"] = new("item-01", "One", "shoes", 0.1),
            ["item-05"] = new("item-05", "Five", "shoes", 0.5),
            ["item-02"] = new("item-02", "Two", "books", 0.2),
            ["item-03"] = new("item-03", "Three", "books", 0.9),
        };

        public ItemInfo? Find(string id) => _items.GetValueOrDefault(id);

        public IReadOnlyCollection<ItemInfo> All() => _items.Values;
    }
}
