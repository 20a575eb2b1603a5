using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Grpc.Core;
using Hotplug.Contracts;
using Hotplug.Contracts.Json;
using Hotplug.Process.Protocol;
using Hotplug.Runtimes;
using Hotplug.Wire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotplug.Process;

/// <summary>
/// The <c>process</c> runtime: each version is a child process that speaks hashicorp go-plugin's gRPC protocol,
/// started from the verified store copy and supervised. Its entry:
/// <code>{ "executable": "ranker", "args": [], "handshake": { "magicCookieKey": "...", "magicCookieValue": "...", "protocolVersion": 1 }, "pool": { "min": 1, "max": 4 }, "transport": "unix" }</code>
/// (all but <c>executable</c> are optional; the handshake defaults to <see cref="ProcessRuntimeOptions"/>, the pool to
/// one process, the transport to a Unix socket).
/// </summary>
internal sealed class ProcessRuntime(IOptions<ProcessRuntimeOptions> options, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null) : IPluginRuntime
{
    public const string RuntimeName = "process";

    public string Name => RuntimeName;

    public Task InitializeAsync(PluginRuntimeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Once per host, before it starts anything: plugins a killed host left running from this store
        // (<store>/<id>/<version>) are stopped.
        OrphanReaper.Reap(context.StorePath, (loggerFactory ?? context.LoggerFactory).CreateLogger("Hotplug.Process"));
        return Task.CompletedTask;
    }

    public IReadOnlyList<string> ReadEntry(JsonElement entry) => [ProcessEntry.Read(entry).Executable];

    public IPluginVersion Create(PluginVersionContext context) =>
        new ProcessPluginVersion(context, ProcessEntry.Read(context.Entry), options.Value, timeProvider);
}

/// <summary>One version of a process plugin: its supervised process.</summary>
internal sealed class ProcessPluginVersion(PluginVersionContext context, ProcessEntry entry, ProcessRuntimeOptions options, TimeProvider timeProvider) : IPluginVersion
{
    private readonly ConcurrentDictionary<Type, object?> _clients = new();
    private readonly Lock _callByNameLock = new();
    private ContractCallByName? _callByName;
    private KnownContracts? _contractTypes;
    private ProcessPool? _pool;
    private SupervisedCallInvoker? _invoker;
    private int _started;

    /// <summary>Gets the contracts callers asked for so far (a process plugin's contracts are known by name only).</summary>
    public IReadOnlyCollection<Type> ContractTypes => [.. _clients.Where(c => c.Value is not null).Select(c => c.Key)];

    /// <summary>
    /// Gets call by name over the contracts the manifest lists, each carried out as gRPC calls over the version's
    /// connection. Their interfaces are those callers already asked for, else the host's own, else those of the
    /// contract assembly the plugin ships (<see cref="KnownContracts"/>); a contract none of them has is named in
    /// the error a call by name gets.
    /// </summary>
    public IJsonCallByName? CallByName
    {
        get
        {
            if (Volatile.Read(ref _callByName) is { } known)
            {
                return known;
            }

            if (_invoker is null)
            {
                return null;
            }

            lock (_callByNameLock)
            {
                return _callByName ??= CreateCallByName(_invoker);
            }
        }
    }

    private ContractCallByName CreateCallByName(SupervisedCallInvoker invoker)
    {
        var asked = _clients.Where(c => c.Value is not null).Select(c => c.Key)
            .Where(t => t.GetCustomAttribute<PluginContractAttribute>() is not null)
            .ToDictionary(t => t.GetCustomAttribute<PluginContractAttribute>()!.Name, StringComparer.Ordinal);
        var unknown = context.Contracts.Where(n => !asked.ContainsKey(n)).ToList();
        _contractTypes = KnownContracts.Find(unknown, context.PackagePath);
        var contracts = new List<KeyValuePair<Type, Func<ContractDescriptor, IOperationInvoker>>>();
        var unavailable = new List<string>();
        var clientOptions = new ContractClientOptions { Translate = Translate };
        foreach (var name in context.Contracts)
        {
            if (!asked.TryGetValue(name, out var type) && !_contractTypes.Found.TryGetValue(name, out type))
            {
                unavailable.Add(
                    $"Contract '{name}' is unknown to this host: ship the contract assembly that declares [PluginContract(\"{name}\")] in the plugin's folder, or run a host that references it.");
                continue;
            }

            ContractSchema schema;
            try
            {
                schema = ContractSchema.For(type);
            }
            catch (Exception ex) when (ex is ContractSchemaException or InvalidContractException)
            {
                unavailable.Add($"Contract '{name}' ({type.FullName}) cannot be called by name: {ex.Message}");
                continue;
            }

            contracts.Add(KeyValuePair.Create(type, (Func<ContractDescriptor, IOperationInvoker>)(_ => new GrpcOperationInvoker(schema, invoker, clientOptions))));
        }

        return new ContractCallByName(context.PluginId, context.Version, contracts, unavailable);
    }

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
            FastLane = options.FastLane,
            AllowPlaintext = options.AllowPlaintext.Contains(context.PluginId),
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
            Transport = entry.Transport,
        };
        processOptions.ProtocolVersions.Clear();
        processOptions.ProtocolVersions.Add(entry.ProtocolVersion);

        processOptions.HostServices = context.HostServices;
        processOptions.HostServiceTypes = context.ExportedServiceTypes;

        // Of the host's environment, what every plugin may see and what this one's manifest names (entry.environment).
        processOptions.InheritedEnvironment.UnionWith(options.InheritedEnvironment);
        processOptions.InheritedEnvironment.UnionWith(entry.Environment ?? []);

        // Who the plugin is and its manifest's config, as .NET reads configuration from the environment
        // (HOTPLUG_CONFIG_greeting, HOTPLUG_CONFIG_limits__max for limits:max); Hotplug.Process.Plugin loads them.
        processOptions.Environment[ProtocolEnvironment.PluginId] = context.PluginId;
        processOptions.Environment[ProtocolEnvironment.PluginVersion] = context.Version;
        foreach (var (key, value) in context.Configuration.AsEnumerable())
        {
            if (value is not null)
            {
                processOptions.Environment[ProtocolEnvironment.ConfigVariable(key)] = value;
            }
        }

        _pool = new ProcessPool(
            context.PluginId,
            context.Version,
            entry.PoolMin,
            entry.PoolMax,
            options.PoolIdleTimeout,
            name => new ProcessSupervisor(
                name,
                ct => StartProcessAsync(name, executable, processOptions, ct),
                options.Supervision,
                timeProvider,
                context.Logger),
            timeProvider,
            context.Logger);
        _invoker = new SupervisedCallInvoker(_pool, context.CallTimeout);
        await _pool.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts one process of the pool. The first starts from a store copy the host checked just before; every later
    /// one — a restart after a crash or a hang, a process added to the pool — checks the copy again first, so a file
    /// changed in the store while the version runs is never executed.
    /// </summary>
    private async Task<PluginProcess> StartProcessAsync(string name, string executable, ProcessPluginOptions processOptions, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            await context.VerifyPackageAsync(cancellationToken).ConfigureAwait(false);
        }

        return await PluginProcess.StartAsync(name, executable, entry.Arguments, processOptions, context.Logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks every process of the pool at once, each bounded by <see cref="SupervisionOptions.HealthCheckTimeout"/>, so a
    /// hung process is reported rather than waited for. The version is healthy while any process serves, and degraded
    /// when a plugin process says it is (<see cref="ProcessHealth.CheckVersionAsync"/>).
    /// </summary>
    public Task<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        ProcessHealth.CheckVersionAsync(
            (_pool ?? throw new InvalidOperationException("The plugin process has not been started.")).Supervisors,
            options.Supervision.HealthCheckTimeout,
            cancellationToken);

    /// <summary>
    /// What the host routes to a process plugin: a call invoker for proto-first plugins' generated clients, or a
    /// client implementing a <c>[PluginContract]</c> interface the manifest lists, over the contract's gRPC service.
    /// </summary>
    public object? GetContract(Type contractType)
    {
        if (contractType == typeof(CallInvoker))
        {
            return _invoker;
        }

        return contractType.IsInterface && contractType.GetCustomAttribute<PluginContractAttribute>() is { } contract && context.Contracts.Contains(contract.Name)
            ? _clients.GetOrAdd(contractType, CreateClient)
            : null;
    }

    private object? CreateClient(Type contractType)
    {
        try
        {
            return ContractClient.Create(contractType, _invoker ?? throw new InvalidOperationException("The plugin process has not been started."), new ContractClientOptions
            {
                // No deadline here: the version's invoker gives every call, streams included, the call timeout as its
                // deadline when it starts, so the plugin's handler is cancelled when it passes.
                Translate = Translate,
            });
        }
        catch (ContractSchemaException ex)
        {
            context.Logger.LogError("{Contract} cannot be called in plugin '{PluginId}': {Reason}", contractType.FullName, context.PluginId, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// What a failed contract call throws. A gone process was already reported by the version's invoker as
    /// <see cref="PluginCrashedException"/>; here a cancellation the caller asked for is an
    /// <see cref="OperationCanceledException"/>, the host's deadline a <see cref="PluginTimeoutException"/>, and any
    /// other status — <c>UNAVAILABLE</c> or <c>INTERNAL</c> a live plugin sent included — the plugin's own error, which
    /// the router reports as it reports an exception an in-process plugin threw (<see cref="PluginInvocationException"/>).
    /// </summary>
    private Exception Translate(RpcException exception, ContractOperation operation, CancellationToken token) => exception.StatusCode switch
    {
        StatusCode.Cancelled when token.IsCancellationRequested => new OperationCanceledException(exception.Status.Detail, exception, token),
        StatusCode.DeadlineExceeded when context.CallTimeout != Timeout.InfiniteTimeSpan => new PluginTimeoutException(context.PluginId, context.Version, operation.Method.Name, context.CallTimeout),
        _ => exception,
    };

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_pool is not null)
        {
            await _pool.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Nothing of a process plugin lives in the host once its processes stopped, but the contract assemblies loaded
    /// from its folder for calls by name: their context is unloaded here.
    /// </summary>
    public ValueTask<ReleaseResult> ReleaseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_callByNameLock)
        {
            _callByName = null;
            _contractTypes?.Dispose();
            _contractTypes = null;
        }

        return ValueTask.FromResult(ReleaseResult.NotApplicable);
    }
}

/// <summary>The <c>entry</c> of a process plugin; <c>Environment</c> names the host variables the plugin may see besides the defaults (<c>entry.environment</c>).</summary>
internal sealed record ProcessEntry(string Executable, IReadOnlyList<string> Arguments, string? MagicCookieKey, string? MagicCookieValue, int ProtocolVersion, int PoolMin = 1, int PoolMax = 1, PluginTransport Transport = PluginTransport.Unix, IReadOnlyList<string>? Environment = null)
{
    /// <summary>The most processes one plugin version may run.</summary>
    public const int PoolLimit = 64;

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

        int min = 1, max = 1;
        if (entry.TryGetProperty("pool", out var pool))
        {
            if (pool.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("entry.pool", "must be an object such as { \"min\": 1, \"max\": 4 }.");
            }

            if (pool.TryGetProperty("min", out var m) && (!m.TryGetInt32(out min) || min < 1 || min > PoolLimit))
            {
                throw Invalid("entry.pool.min", $"must be a whole number from 1 to {PoolLimit}.");
            }

            max = min;
            if (pool.TryGetProperty("max", out var x) && (!x.TryGetInt32(out max) || max < min || max > PoolLimit))
            {
                throw Invalid("entry.pool.max", $"must be a whole number from pool.min ({min}) to {PoolLimit}.");
            }
        }

        var transport = PluginTransport.Unix;
        if (entry.TryGetProperty("transport", out var t))
        {
            transport = t.ValueKind == JsonValueKind.String ? t.GetString() switch
            {
                "unix" => PluginTransport.Unix,
                "tcp" => PluginTransport.Tcp,
                "stdio" => PluginTransport.Stdio,
                _ => throw Invalid("entry.transport", $"'{t.GetString()}' is not a transport: use \"unix\", \"tcp\" or \"stdio\"."),
            } : throw Invalid("entry.transport", "must be \"unix\", \"tcp\" or \"stdio\".");
        }

        var environment = new List<string>();
        if (entry.TryGetProperty("environment", out var names))
        {
            // Exact names only: what a plugin sees of its host is listed in its signed manifest for anyone to read.
            if (names.ValueKind != JsonValueKind.Array || names.EnumerateArray().Any(n => n.ValueKind != JsonValueKind.String || !IsVariableName(n.GetString()!)))
            {
                throw Invalid("entry.environment", "must be an array of environment variable names, such as [\"KV_ENDPOINT\"] (letters, digits and '_', not starting with a digit; no patterns).");
            }

            environment.AddRange(names.EnumerateArray().Select(n => n.GetString()!));
        }

        return new ProcessEntry(executable.GetString()!, arguments, key, value, version, min, max, transport, environment);
    }

    private static bool IsVariableName(string name) =>
        name.Length is > 0 and <= 256 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static PluginManifestException Invalid(string field, string message) => new("plugin.json", field, message);
}
