using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Hotplug.Process.Protocol;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process;

/// <summary>
/// One running go-plugin plugin process: started with go-plugin's environment, connected through the
/// address its handshake names, health-checked through <c>grpc.health.v1</c> (service <c>plugin</c>), and shut
/// down as go-plugin does — ask through <c>plugin.GRPCController/Shutdown</c>, wait, then kill the process tree.
/// </summary>
internal sealed class PluginProcess : IAsyncDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly StderrForwarder _stderr;
    private readonly ProcessPluginOptions _options;
    private readonly string _socketFolder;
    private readonly AutoMtls? _mtls;
    private CallInvoker? _callInvoker;
    private GrpcChannel? _second;
    private HostServicesServer? _hostServices;
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;

    private PluginProcess(string pluginId, System.Diagnostics.Process process, Handshake handshake, GrpcChannel channel, StderrForwarder stderr, ProcessPluginOptions options, string socketFolder, AutoMtls? mtls)
    {
        _mtls = mtls;
        PluginId = pluginId;
        _process = process;
        ProcessId = process.Id;
        Handshake = handshake;
        Channel = channel;
        _stderr = stderr;
        _options = options;
        _socketFolder = socketFolder;
    }

    public string PluginId { get; }

    public Handshake Handshake { get; }

    public GrpcChannel Channel { get; }

    /// <summary>Gets a call invoker over <see cref="Channel"/>, for generated clients.</summary>
    public CallInvoker CallInvoker => _callInvoker ??= _second is null
        ? Channel.CreateCallInvoker()
        : new SpreadCallInvoker(Channel.CreateCallInvoker(), _second.CreateCallInvoker());

    /// <summary>Gets the process id, also once the process is gone (to say which one it was).</summary>
    public int ProcessId { get; }

    /// <summary>Gets whether the process has exited (a disposed one has: it is disposed only once it exited or was killed).</summary>
    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>Gets whether the connection is mutually authenticated TLS (go-plugin's AutoMTLS).</summary>
    public bool IsMutualTls => _mtls is not null && Handshake.ServerCertificate.Length > 0;

    /// <summary>Starts the plugin and waits for its handshake.</summary>
    /// <exception cref="PluginStartException">The plugin exited, printed something else, chose a protocol this host does not speak, or was too slow.</exception>
    public static async Task<PluginProcess> StartAsync(string pluginId, string executable, IEnumerable<string> arguments, ProcessPluginOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        // Unix socket paths are limited to 104 bytes on some systems: keep the folder short.
        var socketFolder = Path.Combine("/tmp", "hp-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(socketFolder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(socketFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(executable)),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in options.Environment)
        {
            info.Environment[name] = value;
        }

        info.Environment[options.MagicCookieKey] = options.MagicCookieValue;
        info.Environment["PLUGIN_PROTOCOL_VERSIONS"] = string.Join(',', options.ProtocolVersions.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        info.Environment["PLUGIN_MIN_PORT"] = options.MinPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["PLUGIN_MAX_PORT"] = options.MaxPort.ToString(CultureInfo.InvariantCulture);
        // Newer go-plugin plugins put their socket in PLUGIN_UNIX_SOCKET_DIR, older ones in the temporary folder.
        info.Environment["PLUGIN_UNIX_SOCKET_DIR"] = socketFolder;
        info.Environment["TMPDIR"] = socketFolder;
        if (options.Transport != PluginTransport.Unix)
        {
            // A Hotplug extension: which transport the plugin must serve on (Go plugins choose their own).
            info.Environment["HOTPLUG_TRANSPORT"] = options.Transport.ToString().ToLowerInvariant();
        }

        // Over stdio the plugin can open no connection back to the host, so host services are not offered.
        var hostServiceNames = options.HostServices is null || options.Transport == PluginTransport.Stdio ? [] : HostServicesServer.ServiceNames(options.HostServiceTypes, logger);
        if (hostServiceNames.Count > 0)
        {
            // What the plugin may dial through the broker, and under which id.
            info.Environment["HOTPLUG_HOST_SERVICES"] = string.Join(',', hostServiceNames);
            info.Environment["HOTPLUG_HOST_SERVICES_BROKER_ID"] = HostServicesServer.BrokerId.ToString(CultureInfo.InvariantCulture);
        }

        var mtls = options.AutoMtls ? AutoMtls.Create() : null;
        if (mtls is not null)
        {
            info.Environment["PLUGIN_CLIENT_CERT"] = mtls.ClientCertificatePem;
        }

        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(info)
                ?? throw new PluginStartException($"Plugin '{pluginId}': {executable} did not start.", pluginId);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FileNotFoundException)
        {
            mtls?.Dispose();
            Directory.Delete(socketFolder, recursive: true);
            throw new PluginStartException($"Plugin '{pluginId}': {executable} cannot be started: {ex.Message}", pluginId, ex);
        }

        var stderr = new StderrForwarder(logger);
        _ = stderr.PumpAsync(process.StandardError);
        try
        {
            var handshake = await ReadHandshakeAsync(pluginId, process, stderr, options, cancellationToken).ConfigureAwait(false);
            if (handshake.Network != "stdio")
            {
                // Output printed past the handshake without plugin.GRPCStdio (older plugins, or native code) still reaches the log.
                _ = PumpStdoutAsync(process.StandardOutput, logger);
            }
            if (mtls is not null && handshake.ServerCertificate.Length == 0)
            {
                // The plugin predates AutoMTLS or was built without it: the socket is still private to this user.
                logger.LogWarning("Plugin {PluginId} did not answer the host's certificate; its connection is not TLS", pluginId);
            }

            var plugin = new PluginProcess(pluginId, process, handshake, Connect(handshake, mtls, process), stderr, options, socketFolder, mtls);
            if (handshake.Network != "stdio")
            {
                // A second HTTP/2 connection: calls alternate between the two, so concurrent callers are not all
                // framed and read through one connection's single loops.
                plugin._second = Connect(handshake, mtls, process);
            }

            await PluginConnections.OpenAsync(pluginId, plugin._second is null ? [plugin.Channel] : [plugin.Channel, plugin._second], process, options.StartTimeout, () => Explain(stderr), cancellationToken).ConfigureAwait(false);

            _ = stderr.PumpStdioAsync(plugin.CallInvoker, pluginId, plugin._stopping.Token);
            if (hostServiceNames.Count > 0)
            {
                try
                {
                    plugin._hostServices = await HostServicesServer.StartAsync(pluginId, options.HostServiceTypes, options.HostServices!, socketFolder, handshake.Network == "tcp", mtls, handshake.ServerCertificate, plugin.CallInvoker, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RpcException or IOException)
                {
                    // A plugin without a broker (or gone already) cannot take host services; it may not need them.
                    logger.LogWarning("Plugin {PluginId} was not given the host's services: {Reason}", pluginId, ex is RpcException rpc ? rpc.Status.Detail : ex.Message);
                }
            }

            return plugin;
        }
        catch
        {
            mtls?.Dispose();
            Kill(process);
            process.Dispose();
            TryDelete(socketFolder);
            throw;
        }
    }

    /// <summary>Asks the plugin's health service whether <c>plugin</c> is serving.</summary>
    public async Task<HealthCheckResponse.Types.ServingStatus> CheckHealthAsync(CancellationToken cancellationToken)
    {
        var client = new Health.HealthClient(Channel);
        var response = await client.CheckAsync(new HealthCheckRequest { Service = "plugin" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Status;
    }

    /// <summary>Kills the process tree at once, without asking: for a process that no longer answers.</summary>
    public void Kill() => Kill(_process);

    /// <summary>Waits for the process to exit.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Gets the exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Gets the plugin's last lines of standard error, to explain an exit.</summary>
    public string RecentErrors => _stderr.Recent;

    /// <summary>Gets whether the host asked this process to stop (an exit after that is no crash).</summary>
    public bool IsStopping => Volatile.Read(ref _stopped) != 0;

    /// <summary>Asks the plugin to shut down, waits up to the shutdown timeout, then kills its process tree.</summary>
    /// <returns><see langword="true"/> when it exited on its own.</returns>
    public async Task<bool> StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return _process.HasExited;
        }

        var graceful = false;
        try
        {
            if (!_process.HasExited)
            {
                var controller = new GRPCController.GRPCControllerClient(Channel);
                try
                {
                    await controller.ShutdownAsync(new Empty(), deadline: DateTime.UtcNow + _options.ShutdownTimeout).ResponseAsync.ConfigureAwait(false);
                }
                catch (RpcException)
                {
                    // The plugin may close the connection as it exits, or not have the controller (older plugins).
                }

                using var wait = new CancellationTokenSource(_options.ShutdownTimeout);
                try
                {
                    await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                    graceful = true;
                }
                catch (OperationCanceledException)
                {
                    Kill(_process);
                    await _process.WaitForExitAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            if (_hostServices is not null)
            {
                await _hostServices.DisposeAsync().ConfigureAwait(false);
            }

            Channel.Dispose();
            _second?.Dispose();
            _mtls?.Dispose();
            TryDelete(_socketFolder);
        }

        return graceful;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
        _stopping.Dispose();
    }

    private static async Task<Handshake> ReadHandshakeAsync(string pluginId, System.Diagnostics.Process process, StderrForwarder stderr, ProcessPluginOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PluginStartException($"Plugin '{pluginId}' did not print its go-plugin handshake within the start timeout of {options.StartTimeout.TotalSeconds:0.#} s.{Explain(stderr)}", pluginId);
        }

        if (line is null)
        {
            // Standard output closed: the plugin exited. Give its standard error a moment to be read.
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
            throw new PluginStartException($"Plugin '{pluginId}' exited with code {process.ExitCode} before its handshake.{Explain(stderr)}", pluginId);
        }

        if (!Handshake.TryParse(line, out var handshake, out var problem))
        {
            throw new PluginStartException($"Plugin '{pluginId}' printed \"{Shorten(line)}\" where its go-plugin handshake was expected: {problem}. A plugin must print nothing on standard output before its handshake.{Explain(stderr)}", pluginId);
        }

        if (handshake!.Protocol != "grpc")
        {
            throw new PluginStartException($"Plugin '{pluginId}' speaks '{handshake.Protocol}'; this host speaks go-plugin's gRPC protocol only (serve with GRPCServer: plugin.DefaultGRPCServer).", pluginId);
        }

        if (handshake.Network == "stdio" && options.Transport != PluginTransport.Stdio)
        {
            throw new PluginStartException($"Plugin '{pluginId}' chose the stdio transport, which this host did not ask for; it asked for {options.Transport.ToString().ToLowerInvariant()}.", pluginId);
        }

        if (options.Transport == PluginTransport.Stdio && handshake.Network != "stdio")
        {
            throw new PluginStartException($"Plugin '{pluginId}' was asked for the stdio transport but serves on {handshake.Network} {handshake.Address}: it does not speak Hotplug's stdio transport (a Go go-plugin plugin cannot); use \"transport\": \"unix\" or \"tcp\".", pluginId);
        }

        if (!options.ProtocolVersions.Contains(handshake.AppProtocol))
        {
            throw new PluginStartException($"Plugin '{pluginId}' chose application protocol {handshake.AppProtocol}; this host speaks {string.Join(", ", options.ProtocolVersions)}.", pluginId);
        }

        return handshake;
    }

    private static GrpcChannel Connect(Handshake handshake, AutoMtls? mtls, System.Diagnostics.Process process)
    {
        var tls = mtls is not null && handshake.ServerCertificate.Length > 0;
        var handler = new SocketsHttpHandler
        {
            // HTTP/2's default 64 KiB window makes a 64 KiB answer (plus gRPC's 5-byte prefix) wait a round trip for
            // a window update; a local connection has no reason to throttle.
            InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
        };
        if (tls)
        {
            handler.SslOptions = mtls!.ClientOptions(handshake.ServerCertificate);
        }

        string authority;
        if (handshake.Network == "tcp")
        {
            authority = handshake.Address;
        }
        else if (handshake.Network == "stdio")
        {
            // The one HTTP/2 connection runs over the plugin's standard output and input.
            authority = "localhost";
            var stdio = new StdioStream(process.StandardOutput.BaseStream, process.StandardInput.BaseStream);
            handler.ConnectCallback = (_, _) => ValueTask.FromResult(stdio.Open());
        }
        else
        {
            var path = handshake.Address;
            authority = "localhost";
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        // Over a Unix socket the authority routes nothing: the connection is the socket above.
        return GrpcChannel.ForAddress($"{(tls ? "https" : "http")}://{authority}", new GrpcChannelOptions { HttpHandler = handler });
    }

    private static async Task PumpStdoutAsync(StreamReader stdout, ILogger logger)
    {
        while (await stdout.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            logger.Log(LogLevel.Information, StderrForwarder.StdoutPipeEvent, "{PluginStdout}", line);
        }
    }

    private static string Explain(StderrForwarder stderr) =>
        stderr.Recent is { Length: > 0 } recent ? $" Its standard error said: {recent}" : string.Empty;

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..197] + "...";

    private static void Kill(System.Diagnostics.Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
