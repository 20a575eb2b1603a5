using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Hotplug.Process.Protocol;
using Hotplug.Process.Protocol.Frames;

namespace Hotplug.Process;

/// <summary>Makes a plugin process's connections, and opens them before the process is handed out.</summary>
internal static class PluginConnections
{
    /// <summary>
    /// Opens each connection and sees the plugin answer a health check on it, so no call pays for a connection
    /// (socket, TLS handshake, HTTP/2 preface) inside its own timeout: on a loaded machine that cost alone can pass
    /// a short call timeout. Bounded by the start timeout. If it fails, the channels are disposed.
    /// </summary>
    /// <exception cref="PluginStartException">The plugin exited or did not answer on a connection.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task OpenAsync(string pluginId, CallInvoker connection, System.Diagnostics.Process process, TimeSpan startTimeout, Func<string> explain, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(startTimeout);
        try
        {
            await ProcessHealth.AskAsync(connection, HealthProtocol.LivenessProbe, timeout.Token).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!timeout.IsCancellationRequested)
            {
                await WaitForExitAsync(process).ConfigureAwait(false);
            }

            var why = process.HasExited ? $"exited with code {process.ExitCode} right after its handshake"
                : timeout.IsCancellationRequested ? $"did not answer on its connection within the start timeout of {startTimeout.TotalSeconds:0.#} s"
                : $"did not answer on its connection: {ex.Status.Detail}";
            throw new PluginStartException($"Plugin '{pluginId}' {why}.{explain()}", pluginId, ex);
        }
    }

    /// <summary>
    /// Connects to the fast lane a plugin took (<see cref="FrameProtocol"/>), on the socket its handshake names, which
    /// must be in the host's private socket folder: that folder's permissions are what keep other users out.
    /// </summary>
    /// <exception cref="PluginStartException">The socket is elsewhere, or cannot be reached.</exception>
    public static async Task<FrameConnection> ConnectFastLaneAsync(string pluginId, Handshake handshake, string socketFolder, string token, FrameHandlers? hostServices, int maxReceiveMessageSize, Func<string> explain, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(handshake.Address);
        if (!string.Equals(Path.GetDirectoryName(path), Path.GetFullPath(socketFolder).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw new PluginStartException($"Plugin '{pluginId}' took the fast lane on {handshake.Address}, outside the private folder the host gave it ({socketFolder}): it is refused, as only that folder's permissions keep other users off the socket.", pluginId);
        }

        try
        {
            return await FrameConnection.ConnectAsync(path, token, hostServices, maxReceiveMessageSize, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new PluginStartException($"Plugin '{pluginId}' named the socket {handshake.Address} in its handshake, which cannot be reached: {ex.Message}.{explain()}", pluginId, ex);
        }
    }

    /// <summary>Opens a further connection in the background: true once the plugin answered on it, false if it did not in time.</summary>
    public static async Task<bool> OpenLaterAsync(CallInvoker channel, TimeSpan startTimeout, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(startTimeout);
        try
        {
            await ProcessHealth.AskAsync(channel, HealthProtocol.LivenessProbe, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The process is stopping or broken: its first connection tells, and calls stay on it.
            return false;
        }
    }

    /// <summary>
    /// Waits until the plugin has started (<see cref="HealthProtocol.StartProbe"/>), bounded by the start timeout: a
    /// .NET plugin's <c>PluginBase.StartAsync</c> runs after its handshake, so that it can call the host's services;
    /// any other plugin answers at once. A plugin that says its start failed is refused with its reason.
    /// </summary>
    /// <exception cref="PluginStartException">The plugin failed to start, exited, or did not finish starting in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task AwaitStartedAsync(string pluginId, CallInvoker channel, System.Diagnostics.Process process, TimeSpan startTimeout, Func<string> explain, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(startTimeout);
        HealthCheckResponse.Types.ServingStatus status;
        Metadata trailers;
        try
        {
            (status, trailers) = await ProcessHealth.AskAsync(channel, HealthProtocol.StartProbe, timeout.Token).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!timeout.IsCancellationRequested)
            {
                await WaitForExitAsync(process).ConfigureAwait(false);
            }

            var why = process.HasExited ? $"exited with code {process.ExitCode} while it started"
                : timeout.IsCancellationRequested ? $"did not finish starting within the start timeout of {startTimeout.TotalSeconds:0.#} s"
                : $"did not answer while it started: {ex.Status.Detail}";
            throw new PluginStartException($"Plugin '{pluginId}' {why}.{explain()}", pluginId, ex);
        }

        // Only a plugin that speaks Hotplug's health extension says its start failed; any other one that is not
        // serving yet is handed out as before, and its health check reports it.
        if (status != HealthCheckResponse.Types.ServingStatus.Serving && trailers.Get(HealthProtocol.StatusTrailer) is not null)
        {
            var health = HealthProtocol.Read(status, trailers);
            throw new PluginStartException($"Plugin '{pluginId}' failed to start: {health.Description ?? "no reason given"}.", pluginId);
        }
    }

    /// <summary>A broken connection usually means the plugin is exiting: gives the exit a moment to be seen, to say so.</summary>
    private static Task WaitForExitAsync(System.Diagnostics.Process process) =>
        process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None)
            .ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    /// <summary>A channel to the address the plugin's handshake names (Unix socket, TCP or its standard input and output), with TLS when both sides do AutoMTLS.</summary>
    public static GrpcChannel Connect(Handshake handshake, AutoMtls? mtls, System.Diagnostics.Process process, int maxReceiveMessageSize)
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
        if (handshake.Network == Handshake.Networks.Tcp)
        {
            authority = handshake.Address;
        }
        else if (handshake.Network == Handshake.Networks.Stdio)
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
        return GrpcChannel.ForAddress($"{(tls ? "https" : "http")}://{authority}", new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = maxReceiveMessageSize });
    }
}
