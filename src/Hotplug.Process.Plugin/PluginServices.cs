using Grpc.Core;
using Grpc.Health.V1;
using Hotplug.Process.Protocol;
using Hotplug.Process.Protocol.Frames;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hotplug.Process.Plugin;

/// <summary>
/// The <c>grpc.health.v1</c> service go-plugin hosts check: <c>plugin</c> (and the server, <c>""</c>) serve. With a
/// plugin entry type (<see cref="PluginEntryExtensions.AddPlugin{TPlugin}"/>), <c>plugin</c> answers what its
/// <see cref="IPlugin.CheckHealthAsync"/> says — <c>SERVING</c> unless unhealthy — and Hotplug's extension in the
/// trailers (<see cref="HealthProtocol"/>): degraded or not, and why. Before the plugin has started it is not serving.
/// </summary>
internal sealed class PluginHealthService(IServiceProvider services) : Health.HealthBase
{
    private static readonly HealthCheckResponse Serving = new() { Status = HealthCheckResponse.Types.ServingStatus.Serving };
    private static readonly HealthCheckResponse NotServing = new() { Status = HealthCheckResponse.Types.ServingStatus.NotServing };

    private readonly PluginRunner? _plugin = services.GetService<PluginRunner>();

    public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        if (request.Service is not ("" or HealthProtocol.ServiceName))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"unknown service '{request.Service}'"));
        }

        var probe = context.RequestHeaders.GetValue(HealthProtocol.ProbeHeader);
        if (_plugin is null || request.Service.Length == 0 || probe == HealthProtocol.LivenessProbe)
        {
            // Alive: the server answers.
            return Serving;
        }

        if (!_plugin.Started.IsCompleted)
        {
            if (probe != HealthProtocol.StartProbe)
            {
                HealthProtocol.Write(context.ResponseTrailers, HealthProtocol.Starting, null);
                return NotServing;
            }

            await _plugin.Started.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }

        if (await _plugin.Started.ConfigureAwait(false) is { } failure)
        {
            HealthProtocol.Write(context.ResponseTrailers, PluginHealth.Unhealthy(failure));
            return NotServing;
        }

        if (probe == HealthProtocol.StartProbe)
        {
            return Serving;
        }

        var health = await _plugin.CheckHealthAsync(context.CancellationToken).ConfigureAwait(false);
        HealthProtocol.Write(context.ResponseTrailers, health);
        return new HealthCheckResponse { Status = HealthProtocol.ServingStatusOf(health) };
    }
}

/// <summary><c>plugin.GRPCController/Shutdown</c>: the host asks the plugin to exit.</summary>
internal sealed class PluginControllerService(IHostApplicationLifetime lifetime) : GRPCController.GRPCControllerBase
{
    public override Task<Empty> Shutdown(Empty request, ServerCallContext context)
    {
        // Answer first, then stop: stopping closes the connection the answer travels on.
        if (context is FrameServerCallContext fastLane)
        {
            fastLane.Ended = lifetime.StopApplication;
            return Task.FromResult(new Empty());
        }

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
