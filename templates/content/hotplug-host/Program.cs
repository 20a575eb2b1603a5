using Hotplug;
using Hotplug.Admin;
using Hotplug.Process;
using HotplugTemplateHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddHotplug(o =>
    {
        // One subfolder or signed .zip per plugin; the host watches the folder and upgrades plugins in place.
        o.PluginsPath = builder.Configuration["plugins"] ?? "plugins";

        // The host's store, its trust folder (<state>/trust: the publishers' .pub keys) and admin.json.
        o.StatePath = builder.Configuration["state"] ?? ".hotplug";
    })
    .AddProcessRuntime()

    // hotplug ls/call --state <state> find the port in <state>/admin.json.
    .AddAdminApi(o => o.Port = 0);
builder.Services.AddHostedService<GreetingLoop>();

await builder.Build().RunAsync();
