using System.Text.Json;
using Grpc.Health.V1;
using Hotplug.Runtimes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotplug.Process;

/// <summary>
/// The <c>process</c> runtime: each version is a child process that speaks hashicorp go-plugin's gRPC protocol,
/// started from the verified store copy and supervised. Its entry:
/// <code>{ "executable": "ranker", "args": [], "handshake": { "magicCookieKey": "...", "magicCookieValue": "...", "protocolVersion": 1 } }</code>
/// (<c>args</c> and <c>handshake</c> are optional; the handshake defaults to <see cref="ProcessRuntimeOptions"/>).
/// </summary>
internal sealed class ProcessRuntime(IOptions<ProcessRuntimeOptions> options, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null) : IPluginRuntime
{
    public const string RuntimeName = "process";

    private int _reaped;

    public string Name => RuntimeName;

    public IReadOnlyList<string> ReadEntry(JsonElement entry) => [ProcessEntry.Read(entry).Executable];

    public IPluginVersion Create(PluginVersionContext context)
    {
        if (Interlocked.Exchange(ref _reaped, 1) == 0)
        {
            // Once per host: plugins a killed host left running from this store (<store>/<id>/<version>) are stopped.
            var store = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(context.PackagePath)))!;
            OrphanReaper.Reap(store, loggerFactory?.CreateLogger("Hotplug.Process") ?? context.Logger);
        }

        return new ProcessPluginVersion(context, ProcessEntry.Read(context.Entry), options.Value, timeProvider);
    }
}

/// <summary>One version of a process plugin: its supervised process.</summary>
internal sealed class ProcessPluginVersion(PluginVersionContext context, ProcessEntry entry, ProcessRuntimeOptions options, TimeProvider timeProvider) : IPluginVersion
{
    private ProcessSupervisor? _supervisor;
    private SupervisedCallInvoker? _invoker;

    public IReadOnlyCollection<Type> ContractTypes => [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var executable = Path.Combine(context.PackagePath, entry.Executable);
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(executable) & UnixFileMode.UserExecute) == 0)
        {
            // Zips do not always keep the executable bit; the store copy is the host's own, so it may set it.
            File.SetUnixFileMode(executable, File.GetUnixFileMode(executable) | UnixFileMode.UserExecute);
        }

        var processOptions = new ProcessPluginOptions
        {
            MagicCookieKey = entry.MagicCookieKey ?? options.MagicCookieKey,
            MagicCookieValue = entry.MagicCookieValue ?? options.MagicCookieValue,
            StartTimeout = options.HandshakeTimeout,
            ShutdownTimeout = options.ShutdownTimeout,
            AutoMtls = options.AutoMtls,
        };
        processOptions.ProtocolVersions.Clear();
        processOptions.ProtocolVersions.Add(entry.ProtocolVersion);
        _supervisor = new ProcessSupervisor(
            context.PluginId,
            ct => PluginProcess.StartAsync(context.PluginId, executable, entry.Arguments, processOptions, context.Logger, ct),
            options.Supervision,
            timeProvider,
            context.Logger);
        _invoker = new SupervisedCallInvoker(_supervisor, context.Version);
        await _supervisor.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        var supervisor = _supervisor ?? throw new InvalidOperationException("The plugin process has not been started.");
        if (supervisor.Current is not { } process)
        {
            var last = supervisor.Failures.LastOrDefault().Reason;
            return PluginHealth.Unhealthy($"the plugin process is {supervisor.State.ToString().ToLowerInvariant()}{(last is null ? string.Empty : ": " + last)}");
        }

        HealthCheckResponse.Types.ServingStatus status;
        try
        {
            status = await process.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or ObjectDisposedException)
        {
            return PluginHealth.Unhealthy($"its health service does not answer: {(ex is Grpc.Core.RpcException rpc ? rpc.Status.Detail : ex.Message)}");
        }

        return status == HealthCheckResponse.Types.ServingStatus.Serving
            ? PluginHealth.Healthy($"process {process.ProcessId}")
            : PluginHealth.Unhealthy($"its health service reports {status}");
    }

    /// <summary>A process plugin serves gRPC: what the host routes to it is a call invoker for generated clients.</summary>
    public object? GetContract(Type contractType) => contractType == typeof(Grpc.Core.CallInvoker) ? _invoker : null;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_supervisor is not null)
        {
            await _supervisor.DisposeAsync().ConfigureAwait(false);
        }
    }

    public WeakReference? Release() => null;
}

/// <summary>The <c>entry</c> of a process plugin.</summary>
internal sealed record ProcessEntry(string Executable, IReadOnlyList<string> Arguments, string? MagicCookieKey, string? MagicCookieValue, int ProtocolVersion)
{
    public static ProcessEntry Read(JsonElement entry)
    {
        if (!entry.TryGetProperty("executable", out var executable) || executable.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(executable.GetString()))
        {
            throw Invalid("entry.executable", "is missing: name the plugin's executable, relative to the package, such as \"ranker\".");
        }

        var arguments = new List<string>();
        if (entry.TryGetProperty("args", out var args))
        {
            if (args.ValueKind != JsonValueKind.Array || args.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
            {
                throw Invalid("entry.args", "must be an array of strings.");
            }

            arguments.AddRange(args.EnumerateArray().Select(a => a.GetString()!));
        }

        string? key = null, value = null;
        var version = 1;
        if (entry.TryGetProperty("handshake", out var handshake))
        {
            if (handshake.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("entry.handshake", "must be an object with magicCookieKey, magicCookieValue and protocolVersion.");
            }

            key = handshake.TryGetProperty("magicCookieKey", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : throw Invalid("entry.handshake.magicCookieKey", "must be a string.");
            value = handshake.TryGetProperty("magicCookieValue", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : throw Invalid("entry.handshake.magicCookieValue", "must be a string.");
            if (handshake.TryGetProperty("protocolVersion", out var p) && (!p.TryGetInt32(out version) || version < 1))
            {
                throw Invalid("entry.handshake.protocolVersion", "must be a positive integer.");
            }
        }

        return new ProcessEntry(executable.GetString()!, arguments, key, value, version);
    }

    private static PluginManifestException Invalid(string field, string message) => new("plugin.json", field, message);
}
