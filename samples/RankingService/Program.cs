using Hotplug;
using Hotplug.Admin;
using Hotplug.Process;
using Hotplug.Scripting.JavaScript;
using Hotplug.Scripting.Lua;
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

// One demo per folder: a second one would re-seed the plugins folder under the first one's feet.
Directory.CreateDirectory(options.Root);
FileStream demoLock;
try
{
    demoLock = new FileStream(Path.Combine(options.Root, "demo.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
}
catch (IOException)
{
    Console.Error.WriteLine($"Another ranking service demo is running with {options.Root}: stop it first, or run this one from another folder.");
    return 1;
}

using var held = demoLock;
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
    .AddLuaRuntime()
    .AddJavaScriptRuntime()
    // Bus plugins: members in other processes (here two the host launches from the fleet-ranker package) join the
    // host's bus on a free loopback port; a member that is not launched needs a key in <state>/bus/trusted.
    .AddBusRuntime(o => o.TrustedMembersPath = Path.Combine(options.StatePath, "bus", "trusted"))
    .AddAdminApi(o => o.Port = options.AdminPort);
builder.Services.AddHostedService<RankingLoop>();

Console.WriteLine($"Ranking service: plugins in {options.PluginsPath}; try `hotplug ls --state {options.StatePath}`. Ctrl+C stops.");
try
{
    await builder.Build().RunAsync();
}
catch (PluginException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

return Environment.ExitCode;
