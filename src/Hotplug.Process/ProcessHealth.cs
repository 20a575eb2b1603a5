using Grpc.Core;
using Grpc.Health.V1;
using Hotplug.Process.Protocol;

namespace Hotplug.Process;

/// <summary>
/// The host's questions to a plugin's <c>grpc.health.v1</c> service (<see cref="HealthProtocol"/>), and the health
/// of a version from the answers of its pool's processes.
/// </summary>
internal static class ProcessHealth
{
    /// <summary>Asks the plugin's health service about <c>plugin</c>: its status, and the trailers a Hotplug plugin adds.</summary>
    /// <param name="invoker">The connection to the plugin.</param>
    /// <param name="probe">Which question: <see langword="null"/> for the plugin's own health, else <see cref="HealthProtocol.LivenessProbe"/> or <see cref="HealthProtocol.StartProbe"/>.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    public static async Task<(HealthCheckResponse.Types.ServingStatus Status, Metadata Trailers)> AskAsync(CallInvoker invoker, string? probe, CancellationToken cancellationToken)
    {
        var headers = probe is null ? null : new Metadata { { HealthProtocol.ProbeHeader, probe } };
        using var call = new Health.HealthClient(invoker).CheckAsync(new HealthCheckRequest { Service = HealthProtocol.ServiceName }, headers, cancellationToken: cancellationToken);
        var response = await call.ResponseAsync.ConfigureAwait(false);
        return (response.Status, call.GetTrailers());
    }

    /// <summary>
    /// Asks every process of the pool at once, each bounded by <paramref name="timeout"/>, so a hung process is
    /// reported rather than waited for. The version serves while any process serves; it is degraded when a serving
    /// process says it is, with what it says.
    /// </summary>
    public static async Task<PluginHealth> CheckVersionAsync(IReadOnlyList<ProcessSupervisor> supervisors, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(supervisors.Select(s => CheckAsync(s, timeout, cancellationToken))).ConfigureAwait(false);
        var serving = results.Where(r => r.Problem is null).ToList();
        var problem = results.Select(r => r.Problem).FirstOrDefault(p => p is not null);

        // A pool serves while any of its processes does; the others are being restarted.
        if (serving.Count == 0)
        {
            return PluginHealth.Unhealthy(problem ?? "it has no process");
        }

        var degraded = serving.Where(r => r.Health.Status == PluginHealthStatus.Degraded).ToList();
        if (supervisors.Count == 1)
        {
            // One process: its own words, as an assembly plugin's.
            return degraded.Count == 1 ? PluginHealth.Degraded(degraded[0].Health.Description ?? "no reason given") : PluginHealth.Healthy($"process {serving[0].ProcessId}");
        }

        var count = $"{serving.Count} of {supervisors.Count} processes serving ({string.Join(", ", serving.Select(r => r.ProcessId))})";
        return degraded.Count > 0
            ? PluginHealth.Degraded($"{count}; {string.Join("; ", degraded.Select(r => $"process {r.ProcessId}: {r.Health.Description ?? "degraded"}"))}{(problem is null ? string.Empty : "; " + problem)}")
            : PluginHealth.Healthy($"{count}{(problem is null ? string.Empty : "; " + problem)}");
    }

    private static async Task<(int ProcessId, PluginHealth Health, string? Problem)> CheckAsync(ProcessSupervisor supervisor, TimeSpan bound, CancellationToken cancellationToken)
    {
        if (supervisor.Current is not { } process)
        {
            var last = supervisor.Failures.LastOrDefault().Reason;
            return (0, default, $"the plugin process is {supervisor.State.ToString().ToLowerInvariant()}{(last is null ? string.Empty : ": " + last)}");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(bound);
        try
        {
            var (status, trailers) = await AskAsync(process.Control, probe: null, timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
            var health = HealthProtocol.Read(status, trailers);
            return status == HealthCheckResponse.Types.ServingStatus.Serving
                ? (process.ProcessId, health, null)
                : (process.ProcessId, health, $"process {process.ProcessId}'s health service reports {status}{(health.Description is { } why ? ": " + why : string.Empty)}");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is RpcException or ObjectDisposedException or OperationCanceledException)
        {
            return (process.ProcessId, default, timeout.IsCancellationRequested
                ? $"process {process.ProcessId} did not answer its health check within {bound.TotalSeconds:0.#} s"
                : $"process {process.ProcessId}'s health service does not answer: {(ex is RpcException rpc ? rpc.Status.Detail : ex.Message)}");
        }
    }
}
