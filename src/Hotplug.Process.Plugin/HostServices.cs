using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Hotplug.Process.Protocol;
using Hotplug.Wire;
using Microsoft.Extensions.DependencyInjection;

namespace Hotplug.Process.Plugin;

/// <summary>
/// The services the host exported to plugins, reached from the plugin process through go-plugin's broker: the
/// host announces a server for them, and each <see cref="Get{TService}"/> client calls it over gRPC (mutual TLS
/// when the plugin connection has it). Resolve it from the plugin's services, or register clients with
/// <see cref="HostServiceExtensions.AddHostService{TService}"/>.
/// </summary>
public sealed class HostServices
{
    /// <summary>The broker id a Hotplug host announces its services under.</summary>
    public const uint BrokerId = ProtocolEnvironment.HostServicesBrokerId;

    private readonly BrokerConnections _broker;
    private readonly PluginTls? _tls;
    private readonly Lazy<CallInvoker> _invoker;
    private readonly Task<CallInvoker>? _fastLane;

    internal HostServices(BrokerConnections broker, PluginTls? tls, Task<CallInvoker>? fastLane = null)
    {
        _broker = broker;
        _tls = tls;
        _fastLane = fastLane;
        Offered = (Environment.GetEnvironmentVariable(ProtocolEnvironment.HostServices) ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _invoker = new(Connect, LazyThreadSafetyMode.ExecutionAndPublication);
        if (Offered.Count > 0 && fastLane is null)
        {
            _ = WarmUpAsync();
        }
    }

    /// <summary>Gets the full gRPC names of the services the host offers, such as <c>ranking.contracts.ItemStore</c>.</summary>
    public IReadOnlyList<string> Offered { get; }

    /// <summary>Gets or sets how long the first call waits for the host to announce its services.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets a client for a host service, as the host exported it with <c>ExportService&lt;TService&gt;()</c>.</summary>
    /// <typeparam name="TService">The service interface, shared with the host.</typeparam>
    /// <returns>The client; calls go to the host.</returns>
    /// <exception cref="InvalidOperationException">The host does not offer the service.</exception>
    [RequiresDynamicCode("Contract clients are proxies made at run time.")]
    [RequiresUnreferencedCode("Contract clients read the contract's records by reflection.")]
    public TService Get<TService>()
        where TService : class
    {
        var name = ContractSchema.For(typeof(TService)).FullServiceName;
        if (!Offered.Contains(name, StringComparer.Ordinal))
        {
            throw new InvalidOperationException(Offered.Count == 0
                ? $"The host offers no services, so {typeof(TService).Name} ({name}) cannot be reached: the host must export it with ExportService<{typeof(TService).Name}>()."
                : $"The host does not offer {typeof(TService).Name} ({name}); it offers {string.Join(", ", Offered)}.");
        }

        return ContractClient.Create<TService>(new DeferredCallInvoker(_invoker));
    }

    /// <summary>Gets a client for a host service when the host offers it.</summary>
    /// <typeparam name="TService">The service interface, shared with the host.</typeparam>
    /// <param name="service">The client, or <see langword="null"/>.</param>
    /// <returns>Whether the host offers the service.</returns>
    [RequiresDynamicCode("Contract clients are proxies made at run time.")]
    [RequiresUnreferencedCode("Contract clients read the contract's records by reflection.")]
    public bool TryGet<TService>([NotNullWhen(true)] out TService? service)
        where TService : class
    {
        service = Offered.Contains(ContractSchema.For(typeof(TService)).FullServiceName, StringComparer.Ordinal) ? Get<TService>() : null;
        return service is not null;
    }

    /// <summary>A client for <paramref name="type"/> when it is a contract the host offers, else <see langword="null"/>.</summary>
    [RequiresDynamicCode("Contract clients are proxies made at run time.")]
    [RequiresUnreferencedCode("Contract clients read the contract's records by reflection.")]
    internal object? Find(Type type)
    {
        if (!type.IsInterface)
        {
            return null;
        }

        string name;
        try
        {
            name = ContractSchema.For(type).FullServiceName;
        }
        catch (ContractSchemaException)
        {
            return null;
        }

        return Offered.Contains(name, StringComparer.Ordinal) ? ContractClient.Create(type, new DeferredCallInvoker(_invoker)) : null;
    }

    /// <summary>
    /// Connects as soon as the host announces its server (TLS handshake and HTTP/2 set up, through the server's
    /// health service), so the plugin's first call to a host service does not pay for it within its deadline.
    /// </summary>
    private async Task WarmUpAsync()
    {
        try
        {
            await _broker.WaitAsync(BrokerId).WaitAsync(ConnectTimeout).ConfigureAwait(false);
            var health = new Grpc.Health.V1.Health.HealthClient(await Task.Run(() => _invoker.Value).ConfigureAwait(false));
            await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), deadline: DateTime.UtcNow + ConnectTimeout).ResponseAsync.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or TimeoutException or IOException)
        {
            // The first real call connects, or reports why it cannot.
        }
    }

    /// <summary>Waits for the host's announcement, then connects to the server it names.</summary>
    private CallInvoker Connect()
    {
        if (_fastLane is not null)
        {
            // On the fast lane the host's services answer on the host's own connection.
            return _fastLane.Wait(ConnectTimeout)
                ? _fastLane.Result
                : throw new RpcException(new Status(StatusCode.Unavailable, $"the host did not connect within {ConnectTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s"));
        }

        var announced = _broker.WaitAsync(BrokerId);
        if (!announced.Wait(ConnectTimeout))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"the host did not announce its services within {ConnectTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s"));
        }

        var info = announced.Result;
        var handler = new SocketsHttpHandler
        {
            // As the host's connection to the plugin: no 64 KiB window to wait on for larger answers.
            InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = info.Network == Handshake.Networks.Unix
                    ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                    : new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    System.Net.EndPoint endpoint = info.Network == Handshake.Networks.Unix ? new UnixDomainSocketEndPoint(info.Address) : System.Net.IPEndPoint.Parse(info.Address);
                    await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        if (_tls is not null)
        {
            handler.SslOptions = _tls.ClientOptions();
        }

        return GrpcChannel.ForAddress(_tls is null ? "http://localhost" : "https://localhost", new GrpcChannelOptions { HttpHandler = handler }).CreateCallInvoker();
    }

    /// <summary>Connects on the first call, so a plugin may take its clients before the host has announced the server.</summary>
    private sealed class DeferredCallInvoker(Lazy<CallInvoker> inner) : CallInvoker
    {
        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            inner.Value.BlockingUnaryCall(method, host, options, request);

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            inner.Value.AsyncUnaryCall(method, host, options, request);

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            inner.Value.AsyncServerStreamingCall(method, host, options, request);

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            inner.Value.AsyncClientStreamingCall(method, host, options);

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            inner.Value.AsyncDuplexStreamingCall(method, host, options);
    }
}

/// <summary>The connections the host announced on the broker stream, by id.</summary>
internal sealed class BrokerConnections
{
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<ConnInfo>> _announced = new();

    public void Offer(ConnInfo info) => Slot(info.ServiceId).TrySetResult(info);

    public Task<ConnInfo> WaitAsync(uint id) => Slot(id).Task;

    private TaskCompletionSource<ConnInfo> Slot(uint id) =>
        _announced.GetOrAdd(id, static _ => new TaskCompletionSource<ConnInfo>(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>Registers clients for host services in a plugin's services.</summary>
public static class HostServiceExtensions
{
    /// <summary>Registers <typeparamref name="TService"/> as a client of the host's exported service, so plugin code takes it by injection.</summary>
    /// <typeparam name="TService">The service interface, shared with the host.</typeparam>
    /// <param name="services">The plugin's services.</param>
    /// <returns>The services.</returns>
    [RequiresDynamicCode("Contract clients are proxies made at run time.")]
    [RequiresUnreferencedCode("Contract clients read the contract's records by reflection.")]
    public static IServiceCollection AddHostService<TService>(this IServiceCollection services)
        where TService : class =>
        services.AddSingleton(provider => provider.GetRequiredService<HostServices>().Get<TService>());
}
