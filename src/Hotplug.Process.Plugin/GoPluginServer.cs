using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Security;
using Grpc.Health.V1;
using Hotplug.Process.Protocol;
using Hotplug.Process.Protocol.Frames;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Plugin;

/// <summary>
/// Serves a .NET plugin over hashicorp go-plugin's gRPC protocol: checks the host's magic cookie, negotiates the
/// application protocol version, serves <c>grpc.health.v1</c>, <c>plugin.GRPCController</c> and
/// <c>plugin.GRPCBroker</c> and <c>plugin.GRPCStdio</c> with the plugin's own gRPC services on a Unix socket (mutual TLS when the host asks
/// for AutoMTLS) — or, when a Hotplug host offers it, on the fast lane (frames on the same socket, no HTTP/2) — prints
/// the handshake line, and exits when the host asks — or when the host dies.
/// </summary>
public static class GoPluginServer
{
    /// <summary>
    /// Runs the plugin entry type <typeparamref name="TPlugin"/> — the same <see cref="PluginBase"/> class an assembly
    /// plugin's manifest names — until the host shuts the process down: its context, lifecycle and health as in
    /// process, and every <c>[PluginContract]</c> interface it implements served (<see cref="PluginEntryExtensions.AddPlugin{TPlugin}"/>).
    /// Moving a plugin between the <c>assembly</c> and <c>process</c> runtimes is then a change of its manifest.
    /// </summary>
    /// <typeparam name="TPlugin">The plugin's entry type, with a public parameterless constructor.</typeparam>
    /// <param name="options">The handshake settings, shared with the host; <see langword="null"/> for a Hotplug host's defaults.</param>
    /// <param name="cancellationToken">Stops the plugin.</param>
    /// <returns>The process exit code, as <see cref="RunAsync"/>.</returns>
    [RequiresDynamicCode("Contract services are bound by reflection; serve proto-first services in NativeAOT plugins.")]
    [RequiresUnreferencedCode("Contract services read the contract's records by reflection.")]
    public static Task<int> RunAsync<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.Interfaces)] TPlugin>(GoPluginServerOptions? options = null, CancellationToken cancellationToken = default)
        where TPlugin : class, IPlugin, new() =>
        RunAsync(options ?? new GoPluginServerOptions(), builder => builder.Services.AddPlugin<TPlugin>(), cancellationToken: cancellationToken);

    /// <summary>Runs the plugin until the host shuts it down or goes away.</summary>
    /// <param name="options">The handshake settings, shared with the host.</param>
    /// <param name="configure">Adds the plugin's services to the builder (its gRPC services' dependencies).</param>
    /// <param name="map">Maps the plugin's gRPC services, such as <c>app.MapGrpcService&lt;KvService&gt;()</c>.</param>
    /// <param name="cancellationToken">Stops the plugin.</param>
    /// <returns>The process exit code: 0 after a shutdown, 1 when the plugin was not started by a host that speaks its protocol.</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message names every problem.</exception>
    public static async Task<int> RunAsync(
        GoPluginServerOptions options,
        Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? map = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("Invalid GoPluginServerOptions: " + string.Join(" ", problems), nameof(options));
        }

        // Taken first, so a host that dies at any moment after this is noticed.
        var parent = ParentWatch.Current();
        if (PluginLaunch.Read(options, out var refusal) is not { } launch)
        {
            await Console.Error.WriteLineAsync(refusal).ConfigureAwait(false);
            return 1;
        }

        // Taken before the console is sent to the host: on the stdio transport these carry the connection.
        var stdio = launch.Network == Handshake.Networks.Stdio ? (Input: Console.OpenStandardInput(), Output: Console.OpenStandardOutput()) : default;
        // The fast lane when the host offers it: frames on the Unix socket in the host's private folder, no HTTP/2, no TLS.
        var fastLane = options.FastLane && launch.Network == Handshake.Networks.Unix && launch.FastLaneToken is not null
            ? new FastLaneServer(launch.Socket, launch.FastLaneToken, options.MaxReceiveMessageSize)
            : null;

        // The certificate is made while the server is built: the first use of the TLS library is the slowest part of starting.
        var tlsReady = fastLane is null && launch.HostCertificatePem is { } hostPem
            ? Task.Run(() => (PluginTls?)PluginTls.Create(hostPem), cancellationToken)
            : Task.FromResult<PluginTls?>(null);
        PluginTls? tls = null;

        // The empty builder and Kestrel's core: a plugin starts in tens of milliseconds, not a web application's hundreds.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = Environment.GetCommandLineArgs().Skip(1).ToArray() });
        builder.Services.AddRouting();
        // Standard output carries the handshake and nothing else: logs go to standard error as hclog JSON.
        builder.Logging.ClearProviders().AddProvider(new HclogLoggerProvider()).AddFilter("Microsoft", LogLevel.Warning);
        void Configure(ListenOptions listen)
        {
            listen.Protocols = HttpProtocols.Http2;
            if (launch.HostCertificatePem is not null)
            {
                // The certificate is read per connection: by the first one, it has long been made.
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => new ValueTask<SslServerAuthenticationOptions>(tls!.ServerOptions),
                });
            }
        }

        if (fastLane is not null)
        {
            builder.Services.AddSingleton<IServer>(fastLane);
        }
        else
        {
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            switch (launch.Network)
            {
                case Handshake.Networks.Tcp:
                    kestrel.Listen(IPAddress.Loopback, launch.Port, Configure);
                    break;
                case Handshake.Networks.Stdio:
                    kestrel.Listen(new StdioEndPoint(), Configure);
                    break;
                default:
                    kestrel.ListenUnixSocket(launch.Socket, Configure);
                    break;
            }
        });
        }
        if (launch.Network == Handshake.Networks.Stdio)
        {
            builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory>(new StdioTransportFactory(stdio.Input, stdio.Output));
        }

        builder.Services.AddGrpc();
        // The plugin's own appsettings.json, then the manifest's config section, which a Hotplug host passes as HOTPLUG_CONFIG_* variables.
        builder.Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables(ProtocolEnvironment.ConfigPrefix);
        var console = new PluginStdio();
        builder.Services.AddSingleton(console);
        builder.Services.AddSingleton(new BrokerConnections());
        builder.Services.AddSingleton(provider => new HostServices(provider.GetRequiredService<BrokerConnections>(), tls, fastLane?.Host));
        builder.Services.AddSingleton(new PluginProcessInfo(
            Environment.GetEnvironmentVariable(ProtocolEnvironment.PluginId) ?? string.Empty,
            Environment.GetEnvironmentVariable(ProtocolEnvironment.PluginVersion) ?? string.Empty));
        configure?.Invoke(builder);
        var app = builder.Build();
        // Read by Kestrel's listen options and the host services' client, which both run from here on.
        tls = await tlsReady.ConfigureAwait(false);
        using var disposeTls = tls;
        var plugin = app.Services.GetService<PluginRunner>();
        if (plugin is not null)
        {
            // The plugin's own services wait until it has started; go-plugin's answer at once.
            app.Use(next => async context =>
            {
                if (!plugin.HasStarted && !IsProtocolCall(context.Request.Path))
                {
                    await plugin.Started.WaitAsync(context.RequestAborted).ConfigureAwait(false);
                }

                await next(context).ConfigureAwait(false);
            });
        }

        if (fastLane is not null)
        {
            fastLane.Logger = app.Logger;
            var handlers = fastLane.Handlers;
            // Set before the methods are bound: each method knows whether it waits for the plugin's start.
            handlers.Gate = plugin?.Started;
            handlers.IsGated = method => !IsProtocolMethod(method);
            Health.BindService(handlers, ActivatorUtilities.CreateInstance<PluginHealthService>(app.Services));
            GRPCController.BindService(handlers, ActivatorUtilities.CreateInstance<PluginControllerService>(app.Services));
            GRPCBroker.BindService(handlers, ActivatorUtilities.CreateInstance<PluginBrokerService>(app.Services));
            GRPCStdio.BindService(handlers, ActivatorUtilities.CreateInstance<PluginStdioService>(app.Services));
        }
        else
        {
            app.MapGrpcService<PluginHealthService>();
            app.MapGrpcService<PluginControllerService>();
            app.MapGrpcService<PluginBrokerService>();
            app.MapGrpcService<PluginStdioService>();
        }

        foreach (var contract in app.Services.GetServices<ContractRegistration>())
        {
            // Made now, not at the first call: a factory that fails stops the plugin before its handshake, with its error.
            if (fastLane is not null)
            {
                contract.BindFastLane(app.Services, fastLane.Handlers);
            }
            else
            {
                contract.Map(app);
                app.Services.GetRequiredService(typeof(ContractService<>).MakeGenericType(contract.Contract));
            }
        }

        // Made now, so it connects to the host's services as soon as the host announces them.
        app.Services.GetRequiredService<HostServices>();

        map?.Invoke(app);
        if (fastLane is not null && map is not null)
        {
            // The plugin's own gRPC services, as it mapped them, on the fast lane too.
            FastLaneServices.BindMapped(app, fastLane.Handlers, type => type.Assembly == typeof(GoPluginServer).Assembly);
        }

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var handshake = new Handshake(Handshake.SupportedCoreProtocol, launch.Version, launch.Network, launch.Address, fastLane is null ? Handshake.Grpc : FrameProtocol.Name, tls?.HandshakeCertificate ?? string.Empty);
        await Console.Out.WriteLineAsync(handshake.ToString()).ConfigureAwait(false);
        await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        // From here on the console goes to the host through plugin.GRPCStdio, as a go-plugin plugin's does.
        console.Redirect();

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        _ = ParentWatch.WatchAsync(parent, options.ParentCheckInterval, lifetime, app.Logger);
        // Started once the host can be reached: a Hotplug host offers its services right after the handshake, and
        // hands the process out only once the start probe says the plugin started (HealthProtocol.StartProbe).
        // Its failures are reported through the start probe and the log, never thrown.
        _ = plugin?.StartAsync(app.Services, lifetime.ApplicationStopping);
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        if (plugin is not null)
        {
            // After the server stopped: the calls in flight have ended, as the host drains before it shuts a version down.
            await plugin.StopAsync(options.StopTimeout, app.Logger).ConfigureAwait(false);
        }

        File.Delete(launch.Socket);
        return 0;
    }

    /// <summary>
    /// Serves <paramref name="implementation"/> as the gRPC service of its <c>[PluginContract]</c> interface until
    /// the host shuts the plugin down: a whole .NET process plugin in one line.
    /// </summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="implementation">The implementation.</param>
    /// <param name="options">The handshake settings, shared with the host.</param>
    /// <param name="cancellationToken">Stops the plugin.</param>
    /// <returns>The process exit code, as <see cref="RunAsync"/>.</returns>
    [RequiresDynamicCode("Contract services are bound by reflection; serve proto-first services in NativeAOT plugins.")]
    [RequiresUnreferencedCode("Contract services read the contract's records by reflection.")]
    public static Task<int> ServeAsync<TContract>(TContract implementation, GoPluginServerOptions options, CancellationToken cancellationToken = default)
        where TContract : class =>
        RunAsync(options, builder => builder.Services.AddPluginContract(implementation), cancellationToken: cancellationToken);

    /// <summary>The highest version both sides speak; the plugin's own when the host sent none (an old host).</summary>
    internal static int? Negotiate(IEnumerable<int> plugin, string? host) => ProtocolEnvironment.Negotiate(plugin, host);

    /// <summary>Whether a method (its full name, <c>/package.Service/Method</c>) is one of go-plugin's services, which never wait for the plugin's start.</summary>
    private static bool IsProtocolMethod(string method) =>
        method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal) || method.StartsWith("/plugin.", StringComparison.Ordinal);

    /// <summary>Whether a request is for one of go-plugin's services (health, controller, broker, stdio), which never wait for the plugin's start.</summary>
    private static bool IsProtocolCall(PathString path) =>
        path.StartsWithSegments("/grpc.health.v1.Health", StringComparison.Ordinal) || path.Value?.StartsWith("/plugin.", StringComparison.Ordinal) == true;
}
