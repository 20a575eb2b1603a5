using System.Collections.Concurrent;
using System.Reflection;
using Hotplug.Contracts;
using Hotplug.Contracts.Json;
using Hotplug.Runtimes;
using Microsoft.Extensions.Logging;

namespace Hotplug.Scripting;

/// <summary>One version of a script plugin: its compiled program, its pool of engines, and the contracts over them.</summary>
internal sealed partial class ScriptPluginVersion(PluginVersionContext context, IScriptLanguage language, ScriptEntry entry) : IPluginVersion
{
    private static int s_operationIds;
    private readonly ConcurrentDictionary<Type, object?> _contracts = new();
    private IReadOnlyDictionary<string, Type> _known = new Dictionary<string, Type>();
    private IScriptProgram? _program;
    private ScriptVersionCore? _core;
    private ContractCallByName? _callByName;
    private bool _hasHealth;

    public IReadOnlyCollection<Type> ContractTypes => [.. _known.Values.Union(_contracts.Where(c => c.Value is not null).Select(c => c.Key))];

    public IJsonCallByName? CallByName
    {
        get
        {
            if (_callByName is { } known || _core is not { } core)
            {
                return _callByName;
            }

            var contracts = _known.Values.Select(t => KeyValuePair.Create(t, (Func<ContractDescriptor, IOperationInvoker>)(d => Invoker(core, d))));
            var unavailable = context.Contracts.Where(n => !_known.ContainsKey(n))
                .Select(n => $"Contract '{n}' is unknown to this host: run a host that references the assembly declaring [PluginContract(\"{n}\")].");
            Interlocked.CompareExchange(ref _callByName, new ContractCallByName(context.PluginId, context.Version, contracts, unavailable), null);
            return _callByName;
        }
    }

    public PluginPoolStatus? Pool => _core?.Pool.Status;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(context.PackagePath, entry.Script);
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginStartException($"{entry.Script} cannot be read: {ex.Message}", context.PluginId, ex);
        }

        try
        {
            _program = language.Compile(new ScriptSource(entry.Script, path, text));
        }
        catch (ScriptException ex)
        {
            throw new PluginStartException($"{entry.Script} does not compile: {ex.Message}", context.PluginId, ex);
        }

        var environment = new ScriptEnvironment
        {
            PluginId = context.PluginId,
            Version = context.Version,
            Config = ScriptEnvironment.ToPlain(context.Configuration),
            Logger = context.Logger,
            State = new ScriptState(),
            Services = ScriptService.From(context.ExportedServiceTypes, context.HostServices),
            Limits = entry.Limits,
            ScriptName = entry.Script,
        };
        var program = _program;
        var pool = new EnginePool(context.PluginId, context.Version, entry.Pool, () => new EngineWorker(program.CreateEngine(environment)));
        var core = new ScriptVersionCore(context, language.Name, pool, entry.Limits.EffectiveTimeout(context.CallTimeout));
        _known = LoadedContracts.Find(context.Contracts);
        try
        {
            pool.Fill();
            await CheckAndStartAsync(core, cancellationToken).ConfigureAwait(false);
        }
        catch (ScriptException ex)
        {
            pool.Dispose();
            throw new PluginStartException($"{entry.Script}: {ex.Message}", context.PluginId, ex);
        }

        _core = core;
    }

    public async Task<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (!_hasHealth || _core is not { } core)
        {
            return PluginHealth.Healthy();
        }

        try
        {
            return Health(await CallFunctionAsync(core, "health", cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is ScriptException or PluginException)
        {
            return PluginHealth.Unhealthy($"health() failed: {ex.Message}");
        }
    }

    public object? GetContract(Type contractType)
    {
        ArgumentNullException.ThrowIfNull(contractType);
        if (_core is not { } core)
        {
            return null;
        }

        return _contracts.GetOrAdd(contractType, type =>
            type.GetCustomAttribute<PluginContractAttribute>() is { } attribute && context.Contracts.Contains(attribute.Name)
                ? ContractProxy.Create(ContractDescriptor.For(type), Invoker(core, ContractDescriptor.For(type)))
                : null);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_core is not { } core)
        {
            return;
        }

        if (await HasFunctionAsync(core, "stop", cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await CallFunctionAsync(core, "stop", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ScriptException or PluginException or OperationCanceledException)
            {
                Log.StopFailed(context.Logger, context.PluginId, context.Version, ex.Message);
            }
        }

        core.Pool.Dispose();
    }

    public ValueTask<ReleaseResult> ReleaseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _core?.Pool.Dispose();
        _program?.Dispose();
        _contracts.Clear();
        _callByName = null;
        return ValueTask.FromResult(ReleaseResult.NotApplicable);
    }

    private static ScriptInvoker Invoker(ScriptVersionCore core, ContractDescriptor descriptor) =>
        new(core, [.. descriptor.Operations.Select(o => new ScriptOperation(o, Interlocked.Increment(ref s_operationIds)))]);

    /// <summary>Checks the script defines a function for every operation of the contracts the host knows, then runs its <c>start()</c>.</summary>
    private async Task CheckAndStartAsync(ScriptVersionCore core, CancellationToken cancellationToken)
    {
        var worker = await core.Pool.RentAsync(cancellationToken).ConfigureAwait(false);
        List<string> missing;
        bool hasStart;
        try
        {
            missing = [.. _known.Values.Select(ContractDescriptor.For).SelectMany(d => d.Operations)
                .Where(o => !worker.Engine.HasFunction(ScriptNames.Function(o)))
                .Select(o => $"{ScriptNames.Function(o)} (for {o})")];
            _hasHealth = worker.Engine.HasFunction("health");
            hasStart = worker.Engine.HasFunction("start");
        }
        finally
        {
            core.Return(worker);
        }

        if (missing.Count > 0)
        {
            throw new ScriptException($"defines no function {string.Join(", ", missing)}. A script implements a contract with one function per operation, named in lower camel case (RankAsync: rank).");
        }

        if (hasStart)
        {
            await CallFunctionAsync(core, "start", cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> HasFunctionAsync(ScriptVersionCore core, string name, CancellationToken cancellationToken)
    {
        var worker = await core.Pool.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return worker.Engine.HasFunction(name);
        }
        finally
        {
            core.Return(worker);
        }
    }

    private static async Task<object?> CallFunctionAsync(ScriptVersionCore core, string name, CancellationToken cancellationToken)
    {
        var worker = await core.Pool.RentAsync(cancellationToken).ConfigureAwait(false);
        var deadline = worker.Begin(core.Timeout);
        using var registration = cancellationToken.UnsafeRegister(static w => ((EngineWorker)w!).Interrupt(), worker);
        try
        {
            return await worker.Engine.CallFunctionAsync(name, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (worker.DeadlinePassed && !cancellationToken.IsCancellationRequested)
        {
            throw new ScriptLimitException(ScriptLimit.Timeout, $"{name}() ran past {core.Timeout.TotalMilliseconds:0} ms and was interrupted.");
        }
        finally
        {
            core.Return(worker);
        }
    }

    private static PluginHealth Health(object? result) => result switch
    {
        null or true => PluginHealth.Healthy(),
        false => PluginHealth.Unhealthy("health() returned false"),
        string reason => PluginHealth.Degraded(reason),
        IReadOnlyDictionary<string, object?> table => (table.GetValueOrDefault("status") as string)?.ToLowerInvariant() switch
        {
            null or "healthy" => PluginHealth.Healthy(table.GetValueOrDefault("reason") as string),
            "degraded" => PluginHealth.Degraded(table.GetValueOrDefault("reason") as string ?? "degraded"),
            var other => PluginHealth.Unhealthy(table.GetValueOrDefault("reason") as string ?? $"health() said '{other}'"),
        },
        _ => PluginHealth.Unhealthy($"health() returned {Messages.MessageShape.Describe(result)}: return nothing or true when healthy, text when degraded, or {{ status = ..., reason = ... }}"),
    };

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Plugin '{PluginId}' {Version}: stop() failed: {Reason}")]
        public static partial void StopFailed(ILogger logger, string pluginId, string version, string reason);
    }
}
