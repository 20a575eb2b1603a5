using Grpc.Core;
using Hotplug.Benchmarks.Echo;
using Hotplug.Process.Plugin;
using Microsoft.AspNetCore.Builder;

// The .NET twin of bench/process/echo-plugin: the same Echo service, served with Hotplug.Process.Plugin.
return await GoPluginServer.RunAsync(
    new GoPluginServerOptions { MagicCookieKey = "HOTPLUG_BENCH", MagicCookieValue = "echo" },
    map: app => app.MapGrpcService<EchoService>());

internal sealed class EchoService : Echo.EchoBase
{
    public override Task<Payload> Echo(Payload request, ServerCallContext context) => Task.FromResult(request);
}
