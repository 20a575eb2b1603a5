using System.Net.Sockets;
using Grpc.Core;
using Hotplug.Process.Protocol.Frames;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Plugin;

/// <summary>
/// The plugin's server when the host offered the fast lane (<see cref="FrameProtocol"/>): the application's server in
/// place of Kestrel, listening on the Unix socket in the host's private folder, accepting only connections that
/// start with the host's token, and serving <see cref="Handlers"/> on them. The host's services are reached over the
/// first connection.
/// </summary>
internal sealed class FastLaneServer(string socketPath, string token, int maxMessageSize) : IServer
{
    private readonly List<FrameConnection> _connections = [];
    private readonly TaskCompletionSource<CallInvoker> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;

    /// <summary>Gets or sets where refused connections are logged.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>Gets the methods served: go-plugin's protocol services and the plugin's contracts.</summary>
    public FrameHandlers Handlers { get; } = new();

    /// <summary>Gets the invoker of the host's first connection, over which the plugin calls the host's services.</summary>
    public Task<CallInvoker> Host => _first.Task;

    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            if (!OperatingSystem.IsWindows())
            {
                // The folder is the host's and private already; the socket itself is the owner's alone too.
                File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _ = AcceptAsync(listener);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting, lets the plugin's own calls in flight end (bounded by <paramref name="cancellationToken"/>), then closes every connection.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        while (Handlers.Running > 0 && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        FrameConnection[] open;
        lock (_connections)
        {
            open = [.. _connections];
            _connections.Clear();
        }

        foreach (var connection in open)
        {
            connection.Close(new FrameConnectionException("the plugin stopped"));
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener?.Dispose();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Close(new FrameConnectionException("the plugin stopped"));
            }

            _connections.Clear();
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = TakeAsync(socket);
        }
    }

    private async Task TakeAsync(Socket socket)
    {
        var connection = await FrameConnection.AcceptAsync(socket, token, Handlers, maxMessageSize, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        if (connection is null)
        {
            Logger?.LogWarning("A connection to the plugin's socket did not start with the host's token; it was closed");
            return;
        }

        lock (_connections)
        {
            if (_stopping.IsCancellationRequested)
            {
                connection.Close(new FrameConnectionException("the plugin is stopping"));
                return;
            }

            _connections.Add(connection);
        }

        _first.TrySetResult(connection.Invoker);
        _ = ForgetWhenClosedAsync(connection);
    }

    private async Task ForgetWhenClosedAsync(FrameConnection connection)
    {
        await connection.Closed.ConfigureAwait(false);
        lock (_connections)
        {
            _connections.Remove(connection);
        }
    }
}
