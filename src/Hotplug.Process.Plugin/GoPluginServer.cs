using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
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
/// for AutoMTLS), prints the handshake line, and exits when the host asks — or when the host dies.
/// </summary>
public static partial class GoPluginServer
{
    /// <summary>Runs the plugin until the host shuts it down or goes away.</summary>
    /// <param name="options">The handshake settings, shared with the host.</param>
    /// <param name="configure">Adds the plugin's services to the builder (its gRPC services' dependencies).</param>
    /// <param name="map">Maps the plugin's gRPC services, such as <c>app.MapGrpcService&lt;KvService&gt;()</c>.</param>
    /// <param name="cancellationToken">Stops the plugin.</param>
    /// <returns>The process exit code: 0 after a shutdown, 1 when the plugin was not started by a host that speaks its protocol.</returns>
    public static async Task<int> RunAsync(
        GoPluginServerOptions options,
        Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? map = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Taken first, so a host that dies at any moment after this is noticed.
        var parent = OperatingSystem.IsWindows() ? 0 : GetParentProcessId();
        if (Environment.GetEnvironmentVariable(options.MagicCookieKey) != options.MagicCookieValue)
        {
            // go-plugin's own words, so users of either recognise them.
            await Console.Error.WriteLineAsync("This binary is a plugin. These are not meant to be executed directly.\nPlease execute the program that consumes these plugins, which will\nload any plugins automatically").ConfigureAwait(false);
            return 1;
        }

        var version = Negotiate(options.ProtocolVersions, Environment.GetEnvironmentVariable("PLUGIN_PROTOCOL_VERSIONS"));
        if (version is null)
        {
            await Console.Error.WriteLineAsync($"Incompatible API version with plugin. Plugin versions: {string.Join(",", options.ProtocolVersions)}, host versions: {Environment.GetEnvironmentVariable("PLUGIN_PROTOCOL_VERSIONS")}").ConfigureAwait(false);
            return 1;
        }

        // The host names the transport (a Hotplug extension); without it, a Unix socket, or TCP where there are none.
        var transport = Environment.GetEnvironmentVariable("HOTPLUG_TRANSPORT") is { Length: > 0 } named ? named
            : OperatingSystem.IsWindows() ? "tcp" : "unix";
        if (transport is not ("unix" or "tcp" or "stdio"))
        {
            await Console.Error.WriteLineAsync($"Unknown transport '{transport}' in HOTPLUG_TRANSPORT: this plugin serves on unix, tcp or stdio.").ConfigureAwait(false);
            return 1;
        }

        var folder = Environment.GetEnvironmentVariable("PLUGIN_UNIX_SOCKET_DIR") is { Length: > 0 } d ? d
            : Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } t ? t : "/tmp";
        var socket = Path.Combine(folder, "plugin" + RandomNumberGenerator.GetInt32(int.MaxValue).ToString(CultureInfo.InvariantCulture));
        var port = transport == "tcp" ? FreePort() : 0;
        if (port < 0)
        {
            await Console.Error.WriteLineAsync($"No free TCP port between PLUGIN_MIN_PORT and PLUGIN_MAX_PORT ({Environment.GetEnvironmentVariable("PLUGIN_MIN_PORT")}..{Environment.GetEnvironmentVariable("PLUGIN_MAX_PORT")}).").ConfigureAwait(false);
            return 1;
        }

        // Taken before the console is sent to the host: on the stdio transport these carry the connection.
        var stdin = transport == "stdio" ? Console.OpenStandardInput() : null;
        var stdout = transport == "stdio" ? Console.OpenStandardOutput() : null;
        // The certificate is made while the server is built: the first use of the TLS library is the slowest part of starting.
        var tlsReady = Environment.GetEnvironmentVariable("PLUGIN_CLIENT_CERT") is { Length: > 0 } clientPem
            ? Task.Run(() => (ServerTls?)ServerTls.Create(clientPem), cancellationToken)
            : Task.FromResult<ServerTls?>(null);
        ServerTls? tls = null;
        var useTls = Environment.GetEnvironmentVariable("PLUGIN_CLIENT_CERT") is { Length: > 0 };

        // The empty builder and Kestrel's core: a plugin starts in tens of milliseconds, not a web application's hundreds.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = Environment.GetCommandLineArgs().Skip(1).ToArray() });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRouting();
        // Standard output carries the handshake and nothing else: logs go to standard error as hclog JSON.
        builder.Logging.ClearProviders().AddProvider(new HclogLoggerProvider()).AddFilter("Microsoft", LogLevel.Warning);
        void Configure(ListenOptions listen)
        {
            listen.Protocols = HttpProtocols.Http2;
            if (useTls)
            {
                // The certificate is read per connection: by the first one, it has long been made.
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => new ValueTask<SslServerAuthenticationOptions>(tls!.ServerOptions),
                });
            }
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            switch (transport)
            {
                case "tcp":
                    kestrel.Listen(IPAddress.Loopback, port, Configure);
                    break;
                case "stdio":
                    kestrel.Listen(new StdioEndPoint(), Configure);
                    break;
                default:
                    kestrel.ListenUnixSocket(socket, Configure);
                    break;
            }
        });
        if (transport == "stdio")
        {
            builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory>(new StdioTransportFactory(stdin!, stdout!));
        }

        builder.Services.AddGrpc();
        // The plugin's own appsettings.json, then the manifest's config section, which a Hotplug host passes as HOTPLUG_CONFIG_* variables.
        builder.Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables("HOTPLUG_CONFIG_");
        var stdio = new PluginStdio();
        builder.Services.AddSingleton(stdio);
        builder.Services.AddSingleton(new BrokerConnections());
        builder.Services.AddSingleton(provider => new HostServices(provider.GetRequiredService<BrokerConnections>(), tls));
        builder.Services.AddSingleton(new PluginProcessInfo(
            Environment.GetEnvironmentVariable("HOTPLUG_PLUGIN_ID") ?? string.Empty,
            Environment.GetEnvironmentVariable("HOTPLUG_PLUGIN_VERSION") ?? string.Empty));
        configure?.Invoke(builder);
        var app = builder.Build();
        // Read by Kestrel's listen options and the host services' client, which both run from here on.
        tls = await tlsReady.ConfigureAwait(false);
        using var disposeTls = tls;
        app.MapGrpcService<PluginHealthService>();
        app.MapGrpcService<PluginControllerService>();
        app.MapGrpcService<PluginBrokerService>();
        app.MapGrpcService<PluginStdioService>();
        foreach (var contract in app.Services.GetServices<ContractRegistration>())
        {
            contract.Map(app);
            // Made now, not at the first call: a factory that fails stops the plugin before its handshake, with its error.
            app.Services.GetRequiredService(typeof(ContractService<>).MakeGenericType(contract.Contract));
        }

        // Made now, so it connects to the host's services as soon as the host announces them.
        app.Services.GetRequiredService<HostServices>();

        map?.Invoke(app);

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var certificate = tls is null ? string.Empty : Convert.ToBase64String(tls.Certificate.RawData).TrimEnd('=');
        var (network, address) = transport switch
        {
            "tcp" => ("tcp", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"),
            "stdio" => ("stdio", "-"),
            _ => ("unix", socket),
        };
        await Console.Out.WriteLineAsync($"1|{version}|{network}|{address}|grpc|{certificate}").ConfigureAwait(false);
        await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        // From here on the console goes to the host through plugin.GRPCStdio, as a go-plugin plugin's does.
        stdio.Redirect();

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        _ = WatchParentAsync(parent, options.ParentCheckInterval, lifetime, app.Logger);
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        File.Delete(socket);
        return 0;
    }

    /// <summary>A free loopback port within go-plugin's <c>PLUGIN_MIN_PORT</c>..<c>PLUGIN_MAX_PORT</c>, or -1.</summary>
    private static int FreePort()
    {
        var min = int.TryParse(Environment.GetEnvironmentVariable("PLUGIN_MIN_PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : 10000;
        var max = int.TryParse(Environment.GetEnvironmentVariable("PLUGIN_MAX_PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b : 25000;
        if (min < 1 || max > 65535 || max < min)
        {
            return -1;
        }

        // From a random point in the range, so plugins started together do not race for the same port.
        var count = max - min + 1;
        var start = RandomNumberGenerator.GetInt32(count);
        for (var i = 0; i < Math.Min(count, 200); i++)
        {
            var port = min + ((start + i) % count);
            try
            {
                using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Taken; try the next.
            }
        }

        return -1;
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
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode("Contract services are bound by reflection; serve proto-first services in NativeAOT plugins.")]
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode("Contract services read the contract's records by reflection.")]
    public static Task<int> ServeAsync<TContract>(TContract implementation, GoPluginServerOptions options, CancellationToken cancellationToken = default)
        where TContract : class =>
        RunAsync(options, builder => builder.Services.AddPluginContract(implementation), cancellationToken: cancellationToken);

    /// <summary>The highest version both sides speak; the plugin's own when the host sent none (an old host).</summary>
    internal static int? Negotiate(IEnumerable<int> plugin, string? host)
    {
        var ours = plugin.ToHashSet();
        if (string.IsNullOrWhiteSpace(host))
        {
            return ours.Max();
        }

        var common = host.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(ours.Contains)
            .ToList();
        return common.Count == 0 ? null : common.Max();
    }

    /// <summary>
    /// Exits when the host dies, even by <c>kill -9</c>: the plugin is then re-parented, so its parent process
    /// id changes. No orphan keeps running.
    /// </summary>
    private static async Task WatchParentAsync(int parent, TimeSpan interval, IHostApplicationLifetime lifetime, ILogger logger)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(lifetime.ApplicationStopping).ConfigureAwait(false))
        {
            if (GetParentProcessId() != parent)
            {
                logger.LogWarning("The host process {ParentId} is gone; the plugin exits", parent);
                lifetime.StopApplication();
                return;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();

    /// <summary>The plugin's side of AutoMTLS: its own one-off certificate, and the host's to require.</summary>
    internal sealed class ServerTls : IDisposable
    {
        private readonly byte[] _host;

        private ServerTls(X509Certificate2 certificate, X509Certificate2 host)
        {
            Certificate = certificate;
            Host = host;
            _host = host.RawData;
            // Building the certificate's context reads the system's root store, which takes tens of milliseconds
            // the first time: done beside the handshake, not before it.
            ServerOptions = Task.Run(() => new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true),
                ClientCertificateRequired = true,
                CertificateChainPolicy = Process.GoPluginCertificate.Pinned(host),
                RemoteCertificateValidationCallback = (_, peer, _, _) => peer is not null && IsHost(peer),
                ApplicationProtocols = [SslApplicationProtocol.Http2],
            });
        }

        public X509Certificate2 Certificate { get; }

        /// <summary>Gets the host's certificate, the only one this plugin trusts.</summary>
        public X509Certificate2 Host { get; }

        /// <summary>Gets the TLS settings of every connection: this certificate, and the host's required.</summary>
        public Task<SslServerAuthenticationOptions> ServerOptions { get; }

        public static ServerTls Create(string hostPem)
        {
            var host = X509Certificate2.CreateFromPem(hostPem);
            var certificate = Process.GoPluginCertificate.Create();
            return new ServerTls(certificate, host);
        }

        public bool IsHost(X509Certificate certificate) => CryptographicOperations.FixedTimeEquals(certificate.GetRawCertData(), _host);

        public void Dispose()
        {
            Certificate.Dispose();
            Host.Dispose();
        }
    }
}
