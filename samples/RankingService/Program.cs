using Hotplug;
using Hotplug.Admin;
using Hotplug.Process;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ranking.Contracts;
using RankingService;

DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

using var signingKey = DemoPlugins.DevelopmentKey(options.Root, options.StatePath);
DemoPlugins.Seed(options.PluginsPath, options.StatePath, signingKey);
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders().AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss ";
}).AddFilter("Microsoft", LogLevel.Warning);

builder.Services.AddSingleton(options);
builder.Services.AddSingleton(signingKey);
builder.Services.AddSingleton<IItemStore, InMemoryItemStore>();
builder.Services.AddHotplug(o =>
    {
        o.PluginsPath = options.PluginsPath;
        o.StatePath = options.StatePath;
        o.StabilityWindow = TimeSpan.FromMilliseconds(500);
    })
    .ExportService<IItemStore>()
    .AddProcessRuntime()
    .AddAdminApi(o => o.Port = options.AdminPort);
builder.Services.AddHostedService<RankingLoop>();

Console.WriteLine($"Ranking service: plugins in {options.PluginsPath}; try `hotplug ls --state {options.StatePath}`. Ctrl+C stops.");
await builder.Build().RunAsync();
return Environment.ExitCode;
