using System.Net;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Grpc.HealthCheck;
using Hotplug.Process.Protocol;
using Hotplug.Process.Protocol.Frames;
using Hotplug.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process;

/// <summary>
/// Serves the host's exported services to one plugin process, as go-plugin's broker offers connections: a gRPC
/// server on a Unix socket in the plugin's private socket folder (mutual TLS with the same certificates as the
/// plugin connection), announced on <c>plugin.GRPCBroker/StartStream</c> under <see cref="ProtocolEnvironment.HostServicesBrokerId"/>. Each
/// exported interface is a service as <see cref="ContractSchema"/> describes it.
/// </summary>
internal sealed class HostServicesServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AsyncDuplexStreamingCall<ConnInfo, ConnInfo> _broker;

    private HostServicesServer(WebApplication app, AsyncDuplexStreamingCall<ConnInfo, ConnInfo> broker)
    {
        _app = app;
        _broker = broker;
    }

    /// <summary>Gets the full names of the services offered, for <c>HOTPLUG_HOST_SERVICES</c>.</summary>
    public static IReadOnlyList<string> ServiceNames(IReadOnlyCollection<Type> types, ILogger logger)
    {
        var names = new List<string>();
        foreach (var type in types.Where(t => t.IsInterface))
        {
            try
            {
                names.Add(ContractSchema.For(type).FullServiceName);
            }
            catch (ContractSchemaException ex)
            {
                logger.LogWarning("Host service {Service} is not offered to process plugins: {Reason}", type.FullName, ex.Message);
            }
        }

        return names;
    }

    /// <summary>The host's services as the fast lane serves them, on the plugin's own connection; <see langword="null"/> when none can be offered.</summary>
    public static FrameHandlers? FastLaneHandlers(IReadOnlyCollection<Type> types, IServiceProvider services)
    {
        var handlers = Handlers(types, services);
        if (handlers.Count == 0)
        {
            return null;
        }

        var fastLane = new FrameHandlers();
        ContractMethodBinder.Bind(fastLane, handlers);
        return fastLane;
    }

    /// <summary>Starts serving and announces the server to the plugin, or returns <see langword="null"/> when nothing can be offered.</summary>
    public static async Task<HostServicesServer?> StartAsync(string pluginId, IReadOnlyCollection<Type> types, IServiceProvider services, string socketFolder, bool tcp, AutoMtls? mtls, string pluginCertificate, CallInvoker plugin, int maxReceiveMessageSize, CancellationToken cancellationToken)
    {
        var handlers = Handlers(types, services);
        if (handlers.Count == 0)
        {
            return null;
        }

        var socket = Path.Combine(socketFolder, "host.sock");
        var expected = mtls is null || pluginCertificate.Length == 0 ? null : GoPluginCertificate.FromHandshake(pluginCertificate);

        // An empty builder: the host application's own configuration (its Kestrel endpoints, say) stays out of it.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "hotplug-host-services-" + pluginId });
        void Configure(ListenOptions listen)
        {
            listen.Protocols = HttpProtocols.Http2;
            if (expected is not null)
            {
                listen.UseHttps(mtls!.ClientCertificate, https =>
                {
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.ClientCertificateValidation = (certificate, _, _) => AutoMtls.IsPlugin(certificate, expected);
                });
            }
        }

        // As the plugin connection goes: a plugin on TCP (no Unix sockets where it runs) dials TCP on loopback.
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            if (tcp)
            {
                kestrel.Listen(IPAddress.Loopback, 0, Configure);
            }
            else
            {
                kestrel.ListenUnixSocket(socket, Configure);
            }
        });
        builder.Services.AddRouting();
        // What a plugin may send the host in one message, as what the host accepts from it on its own connection.
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = maxReceiveMessageSize);
        builder.Services.AddSingleton(new HostServiceHandlers(handlers));
        builder.Services.AddSingleton<IServiceMethodProvider<HostServicesEndpoint>, HostServicesMethodProvider>();
        // grpc.health.v1 too: a plugin checks it to open its connection before its first real call needs it.
        var health = new HealthServiceImpl();
        health.SetStatus(string.Empty, Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        builder.Services.AddSingleton(health);
        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<HostServicesEndpoint>();
        app.MapGrpcService<HealthServiceImpl>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        try
        {
            var broker = new GRPCBroker.GRPCBrokerClient(plugin).StartStream(cancellationToken: CancellationToken.None);
            var address = tcp
                ? new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First()).Authority
                : socket;
            await broker.RequestStream.WriteAsync(new ConnInfo { ServiceId = ProtocolEnvironment.HostServicesBrokerId, Network = tcp ? Handshake.Networks.Tcp : Handshake.Networks.Unix, Address = address }, cancellationToken).ConfigureAwait(false);
            _ = DrainAsync(broker);
            return new HostServicesServer(app, broker);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static List<OperationHandler> Handlers(IReadOnlyCollection<Type> types, IServiceProvider services)
    {
        var handlers = new List<OperationHandler>();
        foreach (var type in types.Where(t => t.IsInterface))
        {
            try
            {
                if (services.GetService(type) is { } implementation)
                {
                    handlers.AddRange(ContractServer.Handlers(type, implementation));
                }
            }
            catch (ContractSchemaException)
            {
                // Reported once by ServiceNames.
            }
        }

        return handlers;
    }

    public async ValueTask DisposeAsync()
    {
        _broker.Dispose();
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Reads what the plugin's broker sends back (nothing Hotplug acts on) until the stream ends.</summary>
    private static async Task DrainAsync(AsyncDuplexStreamingCall<ConnInfo, ConnInfo> broker)
    {
        try
        {
            while (await broker.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
            }
        }
        catch (Exception ex) when (ex is RpcException or ObjectDisposedException or OperationCanceledException)
        {
            // The plugin stopped, or the host closed the stream.
        }
    }

    private sealed record HostServiceHandlers(IReadOnlyList<OperationHandler> Handlers);

    /// <summary>The gRPC service object all host services' methods hang on.</summary>
    private sealed class HostServicesEndpoint;

    private sealed class HostServicesMethodProvider(HostServiceHandlers handlers) : IServiceMethodProvider<HostServicesEndpoint>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<HostServicesEndpoint> context) =>
            ContractMethodBinder.Bind(context, handlers.Handlers);
    }
}
