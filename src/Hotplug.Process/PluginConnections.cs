using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Hotplug.Process;

/// <summary>Opens a plugin process's connections before the process is handed out.</summary>
internal static class PluginConnections
{
    /// <summary>
    /// Opens each connection and sees the plugin answer a health check on it, so no call pays for a connection
    /// (socket, TLS handshake, HTTP/2 preface) inside its own timeout: on a loaded machine that cost alone can pass
    /// a short call timeout. Bounded by the start timeout. If it fails, the channels are disposed.
    /// </summary>
    /// <exception cref="PluginStartException">The plugin exited or did not answer on a connection.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task OpenAsync(string pluginId, IReadOnlyList<GrpcChannel> channels, System.Diagnostics.Process process, TimeSpan startTimeout, Func<string> explain, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(startTimeout);
        try
        {
            foreach (var channel in channels)
            {
                await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "plugin" }, cancellationToken: timeout.Token).ResponseAsync.ConfigureAwait(false);
            }
        }
        catch (RpcException ex)
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (!timeout.IsCancellationRequested)
            {
                // A broken connection usually means the plugin is exiting: give the exit a moment to be seen, to say so.
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None)
                    .ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            }

            var why = process.HasExited ? $"exited with code {process.ExitCode} right after its handshake"
                : timeout.IsCancellationRequested ? $"did not answer on its connection within the start timeout of {startTimeout.TotalSeconds:0.#} s"
                : $"did not answer on its connection: {ex.Status.Detail}";
            throw new PluginStartException($"Plugin '{pluginId}' {why}.{explain()}", pluginId, ex);
        }
    }
}
