using System.Text;
using Grpc.Core;
using Grpc.Health.V1;

namespace Hotplug.Process.Protocol;

/// <summary>
/// How a plugin's health travels: go-plugin's <c>grpc.health.v1</c> check of service <see cref="ServiceName"/>, which
/// any go-plugin host reads as <c>SERVING</c> or <c>NOT_SERVING</c>, and Hotplug's extension on top, in metadata a
/// go-plugin host ignores: the host says which question it asks (<see cref="ProbeHeader"/>), and a plugin that
/// reports more than serving or not answers with <see cref="StatusTrailer"/> and <see cref="DescriptionTrailer"/>,
/// so a degraded plugin stays <c>SERVING</c> for go-plugin and shows <c>Degraded</c>, with why, in a Hotplug host.
/// </summary>
internal static class HealthProtocol
{
    /// <summary>The health service name go-plugin hosts check (go-plugin's <c>GRPCServiceName</c>).</summary>
    public const string ServiceName = "plugin";

    /// <summary>
    /// The request header that says which question the host asks: none, the plugin's health
    /// (<c>IPlugin.CheckHealthAsync</c>); <see cref="LivenessProbe"/> or <see cref="StartProbe"/>.
    /// </summary>
    public const string ProbeHeader = "hotplug-health-probe";

    /// <summary>Is the process alive? Answered at once, without the plugin's own health check (which may be slow).</summary>
    public const string LivenessProbe = "liveness";

    /// <summary>
    /// Has the plugin started? Answered once its <c>StartAsync</c> completed: <c>SERVING</c>, or <c>NOT_SERVING</c> with
    /// why it failed. The host asks it after it offered its services, so the plugin may call them while it starts.
    /// </summary>
    public const string StartProbe = "start";

    /// <summary>The trailer with the plugin's own health: <c>healthy</c>, <c>degraded</c>, <c>unhealthy</c> or <c>starting</c>.</summary>
    public const string StatusTrailer = "hotplug-health";

    /// <summary>The trailer with why the plugin is in that state, UTF-8 (a binary header: any text travels).</summary>
    public const string DescriptionTrailer = "hotplug-health-description-bin";

    /// <summary>The <see cref="StatusTrailer"/> of a plugin whose <c>StartAsync</c> has not completed.</summary>
    public const string Starting = "starting";

    /// <summary>What a go-plugin host sees of <paramref name="health"/>: serving unless unhealthy.</summary>
    public static HealthCheckResponse.Types.ServingStatus ServingStatusOf(PluginHealth health) =>
        health.Status == PluginHealthStatus.Unhealthy ? HealthCheckResponse.Types.ServingStatus.NotServing : HealthCheckResponse.Types.ServingStatus.Serving;

    /// <summary>Adds <paramref name="health"/> to the answer's trailers.</summary>
    public static void Write(Metadata trailers, PluginHealth health) =>
        Write(trailers, health.Status.ToString().ToLowerInvariant(), health.Description);

    /// <summary>Adds a status and its description to the answer's trailers.</summary>
    public static void Write(Metadata trailers, string status, string? description)
    {
        trailers.Add(StatusTrailer, status);
        if (!string.IsNullOrEmpty(description))
        {
            trailers.Add(DescriptionTrailer, Encoding.UTF8.GetBytes(description));
        }
    }

    /// <summary>
    /// Reads a plugin's health from its answer: what its trailers say when it sent them (a Hotplug plugin), else
    /// what the status says, with no description (any other go-plugin plugin).
    /// </summary>
    public static PluginHealth Read(HealthCheckResponse.Types.ServingStatus status, Metadata? trailers)
    {
        var reported = trailers?.GetValue(StatusTrailer);
        var description = trailers?.GetValueBytes(DescriptionTrailer) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
        if (status != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            return new PluginHealth(PluginHealthStatus.Unhealthy, reported == Starting ? "it has not finished starting" : description);
        }

        return new PluginHealth(reported == "degraded" ? PluginHealthStatus.Degraded : PluginHealthStatus.Healthy, description);
    }
}
