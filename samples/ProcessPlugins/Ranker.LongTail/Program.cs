using Hotplug.Process.Plugin;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Ranker.LongTail;
using Ranking.Contracts;

// A process plugin: its own executable, started by the host and spoken to over go-plugin's gRPC protocol.
// It serves IRanker with no .proto file, and reads the host's item store through the broker.
return await GoPluginServer.RunAsync(new GoPluginServerOptions(), builder =>
{
    builder.Services.AddHostService<IItemStore>();
    builder.Services.AddPluginContract<IRanker>(services => new LongTailRanker(
        services.GetRequiredService<IItemStore>(),
        services.GetRequiredService<PluginProcessInfo>(),
        services.GetRequiredService<IConfiguration>().GetValue("boost", 1.0)));
});
