using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Hotplug.Process.Protocol;
using Hotplug.Process.Protocol.Frames;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process;

/// <summary>
/// One running go-plugin plugin process: started with go-plugin's environment, connected through the
/// address its handshake names, health-checked through <c>grpc.health.v1</c> (service <c>plugin</c>), and shut
/// down as go-plugin does — ask through <c>plugin.GRPCController/Shutdown</c>, wait, then kill. It runs as the leader of
/// a process group of its own (<see cref="ProcessGroup"/>): when it exits, for whatever reason, what is left of its group
/// is killed, so nothing it spawned outlives it.
/// </summary>
internal sealed class PluginProcess : IAsyncDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly StderrForwarder _stderr;
    private readonly ProcessPluginOptions _options;
    private readonly string _socketFolder;
    private readonly AutoMtls? _mtls;
    private readonly GrpcChannel? _channel;
    private readonly FrameConnection? _frames;
    private CallInvoker? _callInvoker;
    private GrpcChannel? _second;
    private Task<bool> _secondOpen = Task.FromResult(false);
    private HostServicesServer? _hostServices;
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _grouped;
    private readonly Task _exited;
    private int _stopped;

    /// <summary>How long the host reads a plugin's standard error past its exit for its last words while no line comes, and in all: a process it spawned that left its group may hold the pipe open.</summary>
    internal static readonly (TimeSpan Quiet, TimeSpan Limit) Drain = (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

    private PluginProcess(string pluginId, System.Diagnostics.Process process, Handshake handshake, GrpcChannel? channel, FrameConnection? frames, StderrForwarder stderr, ProcessPluginOptions options, string socketFolder, AutoMtls? mtls, bool grouped)
    {
        _mtls = mtls;
        PluginId = pluginId;
        _process = process;
        ProcessId = process.Id;
        Handshake = handshake;
        _channel = channel;
        _frames = frames;
        Control = frames?.Invoker ?? channel!.CreateCallInvoker();
        _stderr = stderr;
        _options = options;
        _socketFolder = socketFolder;
        _grouped = grouped;
        _exited = ObserveExitAsync(process.Id);
    }

    public string PluginId { get; }

    public Handshake Handshake { get; }

    /// <summary>Gets the invoker of the first connection, for the host's own calls: health, shutdown, the console.</summary>
    public CallInvoker Control { get; }

    /// <summary>Gets whether the plugin took the fast lane (<see cref="FrameProtocol"/>) rather than gRPC.</summary>
    public bool IsFastLane => _frames is not null;

    /// <summary>Gets the call invoker callers' calls go through: the fast lane's, or gRPC's over one or two connections.</summary>
    public CallInvoker CallInvoker => _callInvoker ??= _second is null
        ? Control
        : new SpreadCallInvoker(Control, _second.CreateCallInvoker(), _secondOpen);

    /// <summary>Gets the process id, also once the process is gone (to say which one it was).</summary>
    public int ProcessId { get; }

    /// <summary>Gets a task that completes when the plugin's console stops reaching the log through <c>plugin.GRPCStdio</c>: it stopped, or does not serve it.</summary>
    public Task ConsoleForwarded { get; private set; } = Task.CompletedTask;

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
    /// <exception cref="PluginStartException">The plugin exited, printed something else, chose a protocol this host does not speak, was too slow, or was refused (<see cref="ProcessErrors"/>).</exception>
    public static async Task<PluginProcess> StartAsync(string pluginId, string executable, IEnumerable<string> arguments, ProcessPluginOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        if (executable.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) || executable.Contains(Path.AltDirectorySeparatorChar, StringComparison.Ordinal))
        {
            // A path is passed whole: the launcher resolves it from the plugin's working directory, not the host's.
            executable = Path.GetFullPath(executable);
            if (!File.Exists(executable))
            {
                throw new PluginStartException($"Plugin '{pluginId}': {executable} cannot be started: there is no such file.", pluginId);
            }
        }

        var folder = SocketFolder.Create(pluginId, executable);
        var socketFolder = folder.Path;
        var (info, fastLaneToken) = PluginStartInfo.Create(executable, arguments, options, socketFolder);

        // Over stdio the plugin can open no connection back to the host, so host services are not offered.
        var hostServiceNames = options.HostServices is null || options.Transport == PluginTransport.Stdio ? [] : HostServicesServer.ServiceNames(options.HostServiceTypes, logger);
        if (hostServiceNames.Count > 0)
        {
            // What the plugin may dial through the broker, and under which id.
            info.Environment[ProtocolEnvironment.HostServices] = string.Join(',', hostServiceNames);
            info.Environment[ProtocolEnvironment.HostServicesBroker] = ProtocolEnvironment.HostServicesBrokerId.ToString(CultureInfo.InvariantCulture);
        }

        var mtls = options.AutoMtls ? AutoMtls.Create() : null;
        if (mtls is not null)
        {
            info.Environment[ProtocolEnvironment.ClientCertificate] = mtls.ClientCertificatePem;
        }

        var grouped = ProcessGroup.Isolate(info);
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(info)
                ?? throw new PluginStartException($"Plugin '{pluginId}': {executable} did not start.", pluginId);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FileNotFoundException)
        {
            mtls?.Dispose();
            folder.Delete();
            throw new PluginStartException($"Plugin '{pluginId}': {executable} cannot be started: {ex.Message}", pluginId, ex);
        }

        var stderr = new StderrForwarder(logger);
        _ = stderr.PumpAsync(process.StandardError.BaseStream);
        PluginProcess? plugin = null;
        try
        {
            if (grouped)
            {
                // Where the next host finds the group, should this one be killed before it ends it.
                folder.RecordGroup(process.Id);
            }

            var (handshake, rest) = await HandshakeReader.ReadAsync(pluginId, process, stderr, options, fastLaneToken is not null, cancellationToken).ConfigureAwait(false);
            if (handshake.Network != Handshake.Networks.Stdio)
            {
                // Output printed past the handshake without plugin.GRPCStdio (older plugins, or native code) still reaches the log.
                _ = LineSplitter.PumpAsync(process.StandardOutput.BaseStream, rest, new LineSplitter(line => logger.Log(LogLevel.Information, StderrForwarder.StdoutPipeEvent, "{PluginStdout}", line)));
            }

            if (handshake.Protocol == FrameProtocol.Name)
            {
                // The fast lane: frames on the socket in the host's private folder, which is what keeps others out;
                // the host's services answer on the same connection.
                var hostHandlers = hostServiceNames.Count > 0 ? HostServicesServer.FastLaneHandlers(options.HostServiceTypes, options.HostServices!) : null;
                var frames = await PluginConnections.ConnectFastLaneAsync(pluginId, handshake, socketFolder, fastLaneToken!, hostHandlers, options.MaxReceiveMessageSize, () => HandshakeReader.Explain(stderr), cancellationToken).ConfigureAwait(false);
                plugin = new PluginProcess(pluginId, process, handshake, null, frames, stderr, options, socketFolder, mtls, grouped);
            }
            else
            {
                HandshakeReader.RefusePlaintext(pluginId, handshake, mtls, options, logger);
                plugin = new PluginProcess(pluginId, process, handshake, PluginConnections.Connect(handshake, mtls, process, options.MaxReceiveMessageSize), null, stderr, options, socketFolder, mtls, grouped);
                if (handshake.Network != Handshake.Networks.Stdio)
                {
                    // A second HTTP/2 connection: calls alternate between the two, so concurrent callers are not all
                    // framed and read through one connection's single loops.
                    plugin._second = PluginConnections.Connect(handshake, mtls, process, options.MaxReceiveMessageSize);
                }
            }

            // The first connection is open before the process is handed out, so no call pays for its TLS handshake;
            // the second opens meanwhile, and takes its turn of the calls once it answered.
            await PluginConnections.OpenAsync(pluginId, plugin.Control, process, options.StartTimeout, () => HandshakeReader.Explain(stderr), cancellationToken).ConfigureAwait(false);
            if (plugin._second is not null)
            {
                plugin._secondOpen = PluginConnections.OpenLaterAsync(plugin._second.CreateCallInvoker(), options.StartTimeout, plugin._stopping.Token);
            }

            plugin.ConsoleForwarded = stderr.PumpStdioAsync(plugin.Control, pluginId, options.Notices, plugin._stopping.Token);
            if (hostServiceNames.Count > 0 && !plugin.IsFastLane)
            {
                try
                {
                    plugin._hostServices = await HostServicesServer.StartAsync(pluginId, options.HostServiceTypes, options.HostServices!, socketFolder, handshake.Network == Handshake.Networks.Tcp, mtls, handshake.ServerCertificate, plugin.CallInvoker, options.MaxReceiveMessageSize, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RpcException or IOException)
                {
                    // A plugin without a broker (or gone already) cannot take host services; it may not need them.
                    logger.LogWarning("Plugin {PluginId} was not given the host's services: {Reason}", pluginId, ex is RpcException rpc ? rpc.Status.Detail : ex.Message);
                }
            }

            // A plugin written with Hotplug.Process.Plugin starts its PluginBase now, when it may call the host's
            // services, and is handed out once it has started; a Go plugin answers at once.
            await PluginConnections.AwaitStartedAsync(pluginId, plugin.Control, process, options.StartTimeout, () => HandshakeReader.Explain(stderr), cancellationToken).ConfigureAwait(false);
            return plugin;
        }
        catch
        {
            if (plugin is not null)
            {
                await plugin.AbandonAsync().ConfigureAwait(false);
            }

            mtls?.Dispose();
            Kill(process, grouped);
            process.Dispose();
            folder.Delete();
            throw;
        }
    }

    /// <summary>Asks the plugin's health service whether <c>plugin</c> is serving, as a go-plugin host does.</summary>
    public async Task<HealthCheckResponse.Types.ServingStatus> CheckHealthAsync(CancellationToken cancellationToken) =>
        (await ProcessHealth.AskAsync(Control, probe: null, cancellationToken).ConfigureAwait(false)).Status;

    /// <summary>Asks whether the process is alive: any answer is (a Hotplug plugin answers at once, without its own health check).</summary>
    public Task CheckLivenessAsync(CancellationToken cancellationToken) =>
        ProcessHealth.AskAsync(Control, HealthProtocol.LivenessProbe, cancellationToken);

    /// <summary>Kills the process and its group at once, without asking: for a process that no longer answers.</summary>
    public void Kill() => Kill(_process, _grouped);

    /// <summary>
    /// Waits for the process to exit, for what is left of its process group to be killed, and for its standard error
    /// to be read to the end (bounded by <see cref="Drain"/>): then <see cref="RecentErrors"/> holds its last words.
    /// </summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _exited.WaitAsync(cancellationToken);

    /// <summary>Gets the exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Gets the plugin's last lines of standard error (at most 5, each shortened, oldest first, joined by <c> | </c>), to explain an exit.</summary>
    /// <remarks>Complete once <see cref="WaitForExitAsync"/> has completed: standard error is read to its end before it does.</remarks>
    public string RecentErrors => string.Join(" | ", _stderr.LastLines);

    /// <summary>Gets why the process ended, once <see cref="WaitForExitAsync"/> completed: <c>exited with code N; last lines: ...</c>.</summary>
    public string ExitReason => RecentErrors is { Length: > 0 } errors ? $"exited with code {ExitCode}; last lines: {errors}" : $"exited with code {ExitCode}";

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
                var controller = new GRPCController.GRPCControllerClient(Control);
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
                    Kill(_process, _grouped);
                }
            }

            // Exited (or killed): what it spawned is ended with it, and its last words read.
            await _exited.ConfigureAwait(false);
        }
        finally
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            if (_hostServices is not null)
            {
                await _hostServices.DisposeAsync().ConfigureAwait(false);
            }

            CloseConnections();
            _mtls?.Dispose();
            TryDelete(_socketFolder);
        }

        return graceful;
    }

    /// <summary>Lets go of what a process that failed to start had opened: its console stream, the host's services, its connections.</summary>
    private async Task AbandonAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_hostServices is not null)
        {
            await _hostServices.DisposeAsync().ConfigureAwait(false);
        }

        CloseConnections();
        _stopping.Dispose();
    }

    private void CloseConnections()
    {
        _channel?.Dispose();
        _second?.Dispose();
        _frames?.Close(new FrameConnectionException($"the host closed the connection to plugin '{PluginId}'"));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
        _stopping.Dispose();
    }

    /// <summary>The process's exit and what follows it: the rest of its group killed, its standard error read to the end.</summary>
    private async Task ObserveExitAsync(int pid)
    {
        await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        if (_grouped)
        {
            // Whatever it spawned and left behind: a stop or a crash of the plugin leaves nothing of it running.
            ProcessGroup.Kill(pid);
        }

        await _stderr.DrainAsync(Drain.Quiet, Drain.Limit).ConfigureAwait(false);
    }


    private static void Kill(System.Diagnostics.Process process, bool grouped)
    {
        try
        {
            if (grouped)
            {
                ProcessGroup.Kill(process.Id);
            }

            // Without a group of its own (no setsid, or killed before setsid made it), its process tree.
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
