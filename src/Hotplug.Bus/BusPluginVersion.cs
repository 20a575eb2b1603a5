using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Hotplug.Contracts;
using Hotplug.Contracts.Json;
using Hotplug.Runtimes;
using Hotplug.Wire;
using Microsoft.Extensions.Configuration;

namespace Hotplug.Bus;

/// <summary>
/// One version of a bus plugin: the service its members announce, the members it launches from its package, health
/// from its members' answers, and contracts whose calls go to them.
/// </summary>
[RequiresDynamicCode("Bus contracts are encoded by reflection.")]
[RequiresUnreferencedCode("Bus contracts read their records by reflection.")]
internal sealed class BusPluginVersion : IPluginVersion
{
    private readonly PluginVersionContext _context;
    private readonly BusHub _hub;
    private readonly BusEntry _entry;
    private readonly string _service;
    private readonly IReadOnlyDictionary<string, Type> _known;
    private readonly ConcurrentDictionary<Type, object?> _contracts = new();
    private readonly TaskCompletionSource<string?> _launchedStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IDisposable? _registration;
    private HubService? _owner;
    private BusLauncher? _launcher;
    private ContractCallByName? _callByName;

    public BusPluginVersion(PluginVersionContext context, BusHub hub, BusEntry entry)
    {
        _context = context;
        _hub = hub;
        _entry = entry;
        _service = entry.Service ?? context.PluginId;
        _known = LoadedContracts.Find(context.Contracts);
    }

    public IReadOnlyCollection<Type> ContractTypes => [.. _known.Values];

    public IJsonCallByName? CallByName
    {
        get
        {
            if (_callByName is not null || _registration is null)
            {
                return _callByName;
            }

            var contracts = _known.Values.Select(t => KeyValuePair.Create(t, (Func<ContractDescriptor, IOperationInvoker>)(d => Invoker(d.ContractType))));
            var unavailable = _context.Contracts.Where(n => !_known.ContainsKey(n))
                .Select(n => $"Contract '{n}' is unknown to this host: run a host that references the assembly declaring [PluginContract(\"{n}\")].");
            Interlocked.CompareExchange(ref _callByName, new ContractCallByName(_context.PluginId, _context.Version, contracts, unavailable), null);
            return _callByName;
        }
    }

    public PluginPoolStatus? Pool
    {
        get
        {
            var members = _hub.MembersOf(_service, _owner);
            var online = members.Count(m => m.State == BusMemberState.Online);
            return new PluginPoolStatus(_entry.Launch?.Count ?? 0, members.Count, online, members.Sum(m => m.InFlight), 0, 0, 0, members.Count - online);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var config = _context.Configuration.AsEnumerable().Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
        var registration = new HubService(_context.PluginId, _context.Version, config);
        registration.Report += OnReport;
        _owner = registration;
        _registration = _hub.RegisterService(_service, registration);
        if (_entry.Launch is not { } launch)
        {
            return;
        }

        await _context.VerifyPackageAsync(cancellationToken).ConfigureAwait(false);
        _launcher = new BusLauncher(_hub, registration, _service, _context.PackagePath, launch, _context.Logger);
        _launcher.Start();
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!_launchedStarted.Task.IsCompleted)
        {
            if (_launcher.EarlyExit is { } exit)
            {
                throw new PluginStartException($"Bus plugin '{_context.PluginId}' {_context.Version}: {exit}", _context.PluginId);
            }

            // The launched process reports its start on the bus; its exit is seen by polling, as it may end before it joins.
            await Task.WhenAny(_launchedStarted.Task, poll.WaitForNextTickAsync(cancellationToken).AsTask()).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (await _launchedStarted.Task.ConfigureAwait(false) is { } error)
        {
            throw new PluginStartException($"Bus plugin '{_context.PluginId}' {_context.Version} failed to start on its member: {error}", _context.PluginId);
        }
    }

    public async Task<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        var answers = await _hub.CheckHealthAsync(_service, _owner, cancellationToken).ConfigureAwait(false);
        var members = _hub.MembersOf(_service, _owner).Where(m => m.State == BusMemberState.Online).ToList();
        if (members.Count == 0)
        {
            return PluginHealth.Degraded($"No member of '{_service}' is online.");
        }

        var uncovered = _context.Contracts.Where(c => !members.Any(m => m.Contracts.Contains(c))).ToList();
        var unwell = answers.Where(a => a.Status != PluginHealthStatus.Healthy).Select(a => $"member {a.Member}: {a.Description}").ToList();
        if (uncovered.Count > 0)
        {
            unwell.Insert(0, $"no online member serves {string.Join(", ", uncovered)}");
        }

        return unwell.Count == 0
            ? PluginHealth.Healthy($"{members.Count} member(s) online")
            : PluginHealth.Degraded(string.Join("; ", unwell));
    }

    public object? GetContract(Type contractType)
    {
        ArgumentNullException.ThrowIfNull(contractType);
        return _contracts.GetOrAdd(contractType, type =>
            type.GetCustomAttribute<PluginContractAttribute>() is { } attribute && _context.Contracts.Contains(attribute.Name)
                ? ContractProxy.Create(ContractDescriptor.For(type), Invoker(type))
                : null);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _registration?.Dispose();
        if (_launcher is not null)
        {
            await _launcher.DisposeAsync().ConfigureAwait(false);
        }
    }

    public ValueTask<ReleaseResult> ReleaseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _contracts.Clear();
        _callByName = null;
        return ValueTask.FromResult(ReleaseResult.NotApplicable);
    }

    private IOperationInvoker Invoker(Type contract)
    {
        var deadline = _context.CallTimeout == Timeout.InfiniteTimeSpan ? 0 : (int)Math.Min(int.MaxValue, _context.CallTimeout.TotalMilliseconds);
        return _hub.Invoker(_service, ContractSchema.For(contract), Translate, deadline, _owner);
    }

    /// <summary>What the host's callers see of a bus failure: a vanished member as a crash, no member as unavailable.</summary>
    private Exception Translate(Exception exception) => exception switch
    {
        BusCallException { Failure: BusFailure.MemberVanished } lost => new PluginCrashedException(lost.Message, _context.PluginId, _context.Version, lost),
        BusCallException { Failure: BusFailure.NoMember or BusFailure.Stopped } none => new PluginUnavailableException(none.Message, _context.PluginId),
        _ => exception,
    };

    private void OnReport(string member, string? ticket, string? error, bool gone)
    {
        if (!gone && _launcher is { } launcher && launcher.Launched(ticket))
        {
            _launchedStarted.TrySetResult(error);
        }
    }
}
