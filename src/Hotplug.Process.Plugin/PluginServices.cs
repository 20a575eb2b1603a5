using Grpc.Core;
using Grpc.Health.V1;
using Hotplug.Process.Plugin.Protocol;
using Microsoft.Extensions.Hosting;

namespace Hotplug.Process.Plugin;

/// <summary>The <c>grpc.health.v1</c> service go-plugin hosts check: <c>plugin</c> (and the server, <c>""</c>) serve.</summary>
internal sealed class PluginHealthService : Health.HealthBase
{
    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) =>
        request.Service is "" or "plugin"
            ? Task.FromResult(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving })
            : throw new RpcException(new Status(StatusCode.NotFound, $"unknown service '{request.Service}'"));
}

/// <summary><c>plugin.GRPCController/Shutdown</c>: the host asks the plugin to exit.</summary>
internal sealed class PluginControllerService(IHostApplicationLifetime lifetime) : GRPCController.GRPCControllerBase
{
    public override Task<Empty> Shutdown(Empty request, ServerCallContext context)
    {
        // Answer first, then stop: stopping closes the connection the answer travels on.
        context.GetHttpContext().Response.OnCompleted(() =>
        {
            lifetime.StopApplication();
            return Task.CompletedTask;
        });
        return Task.FromResult(new Empty());
    }
}

/// <summary>
/// <c>plugin.GRPCBroker/StartStream</c>: go-plugin hosts open it as soon as they connect, and announce on it the
/// servers they offer the plugin (a Hotplug host, its services). The plugin offers none of its own.
/// </summary>
internal sealed class PluginBrokerService(BrokerConnections connections, IHostApplicationLifetime lifetime) : GRPCBroker.GRPCBrokerBase
{
    public override async Task StartStream(IAsyncStreamReader<ConnInfo> requestStream, IServerStreamWriter<ConnInfo> responseStream, ServerCallContext context)
    {
        // Ends when the plugin stops, so that the open stream does not hold up the server's graceful shutdown.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            while (await requestStream.MoveNext(stop.Token).ConfigureAwait(false))
            {
                connections.Offer(requestStream.Current);
            }
        }
        catch (OperationCanceledException)
        {
            // The host went away or the plugin is stopping.
        }
    }
}
