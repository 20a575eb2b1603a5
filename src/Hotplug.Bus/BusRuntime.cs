using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Hotplug.Runtimes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotplug.Bus;

/// <summary>
/// The <c>bus</c> runtime: a plugin whose contracts are served by members on the host's bus — processes on this machine
/// or any other, which join the hub, announce the plugin's service and are called over NetMQ. Its entry:
/// <c>{ "service": "ranker", "launch": { "executable": "RankerWorker", "count": 2 } }</c> (both optional). Register it
/// with <c>AddBusRuntime()</c>. See <c>docs/bus-plugins.md</c>.
/// </summary>
[RequiresDynamicCode("Bus contracts are encoded by reflection.")]
[RequiresUnreferencedCode("Bus contracts read their records by reflection.")]
public sealed class BusRuntime(IOptions<BusHubOptions> options) : IPluginRuntime, IAsyncDisposable, IDisposable
{
    private BusHub? _hub;

    /// <inheritdoc />
    public string Name => "bus";

    /// <summary>Gets the host's hub, once the host started.</summary>
    /// <exception cref="InvalidOperationException">The host has not started yet.</exception>
    public BusHub Hub => _hub ?? throw new InvalidOperationException("The bus hub starts with the host: resolve it after the host started.");

    /// <inheritdoc />
    public Task InitializeAsync(PluginRuntimeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var hubOptions = options.Value;
        BusKeys? keys = null;
        if (hubOptions.TrustedMembersPath is not null)
        {
            // Made empty when missing: the operator adds members' .pub files to it while the host runs.
            Directory.CreateDirectory(hubOptions.TrustedMembersPath);
            var path = hubOptions.HubKeyPath ?? Path.Combine(context.StatePath, "bus", "hub.key");
            var basePath = path.EndsWith(".key", StringComparison.Ordinal) ? path[..^4] : path;
            if (File.Exists(basePath + ".key"))
            {
                keys = BusKeys.Load(basePath + ".key");
            }
            else
            {
                keys = BusKeys.Create();
                keys.Save(basePath);
            }
        }

        try
        {
            _hub = new BusHub(hubOptions, keys, context.LoggerFactory);
        }
        catch (Exception ex) when (ex is NetMQ.NetMQException or ArgumentException)
        {
            var endpoints = hubOptions.Endpoints.Count == 0 ? "tcp://127.0.0.1:0" : string.Join(", ", hubOptions.Endpoints);
            throw new PluginException($"The bus hub cannot start on {endpoints}: {ex.Message}", innerException: ex);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ReadEntry(JsonElement entry) => BusEntry.Read(entry).Launch is { } launch ? [launch.Executable] : [];

    /// <inheritdoc />
    public IPluginVersion Create(PluginVersionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new BusPluginVersion(context, Hub, BusEntry.Read(context.Entry));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => _hub?.Dispose();
}
