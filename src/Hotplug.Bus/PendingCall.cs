using Hotplug.Bus.Protocol;
using Hotplug.Wire;

namespace Hotplug.Bus;

/// <summary>A call or work item the hub sent (or waits to send) to a member. Guarded by the hub's lock.</summary>
internal sealed class PendingCall(ulong id, FrameKind kind, string service, string contract, ContractOperation operation, byte[] payload, int deadlineMs)
{
    public ulong Id { get; } = id;

    public FrameKind Kind { get; } = kind;

    public string Service { get; } = service;

    public string Contract { get; } = contract;

    public ContractOperation Operation { get; } = operation;

    public byte[] Payload { get; } = payload;

    public int DeadlineMs { get; } = deadlineMs;

    public HubMember? Member { get; set; }

    /// <summary>The bus plugin version the call comes from: it goes to that version's launched members and to members that joined on their own.</summary>
    public HubService? Owner { get; init; }

    public HashSet<string> Tried { get; } = new(StringComparer.Ordinal);

    public long SentAt { get; set; }

    public long WaitingSince { get; set; }

    /// <summary>Completes with the answer's payload.</summary>
    public TaskCompletionSource<byte[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a work item was handed to a member: what a pusher waits for.</summary>
    public TaskCompletionSource Assigned { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Fail(Exception exception)
    {
        Done.TrySetException(exception);
        Assigned.TrySetException(exception);
    }

    public override string ToString() => $"{Contract} {Operation.Name}";
}

/// <summary>A survey under way: who was asked, what came back.</summary>
internal sealed class SurveyState(ulong id, ContractOperation operation, IReadOnlyCollection<string> asked)
{
    private readonly HashSet<string> _waiting = new(asked, StringComparer.Ordinal);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ulong Id { get; } = id;

    public ContractOperation Operation { get; } = operation;

    public int Asked { get; } = asked.Count;

    public List<(string Member, byte[] Payload)> Answers { get; } = [];

    public List<KeyValuePair<string, string>> Failures { get; } = [];

    public Task Complete => _complete.Task;

    public void Answer(string member, byte[]? payload, string? error)
    {
        if (!_waiting.Remove(member))
        {
            return;
        }

        if (payload is not null)
        {
            Answers.Add((member, payload));
        }
        else
        {
            Failures.Add(KeyValuePair.Create(member, error ?? "failed"));
        }

        if (_waiting.Count == 0)
        {
            _complete.TrySetResult();
        }
    }

    public void Gone(string member) => Answer(member, null, "left the bus before it answered");

    public void Start()
    {
        if (_waiting.Count == 0)
        {
            _complete.TrySetResult();
        }
    }
}

/// <summary>A health check of a service's members.</summary>
internal sealed class HealthAsk(IReadOnlyCollection<string> asked)
{
    private readonly HashSet<string> _waiting = new(asked, StringComparer.Ordinal);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<(string Member, PluginHealthStatus Status, string Description)> Answers { get; } = [];

    public Task Complete => _complete.Task;

    public void Answer(string member, PluginHealthStatus status, string description)
    {
        if (_waiting.Remove(member))
        {
            Answers.Add((member, status, description));
        }

        if (_waiting.Count == 0)
        {
            _complete.TrySetResult();
        }
    }

    public void Gone(string member)
    {
        _waiting.Remove(member);
        if (_waiting.Count == 0)
        {
            _complete.TrySetResult();
        }
    }
}

/// <summary>What the bus plugin version serving a service tells members, and what it hears of them.</summary>
internal sealed class HubService(string pluginId, string version, IReadOnlyDictionary<string, string?> config)
{
    public string PluginId { get; } = pluginId;

    public string Version { get; } = version;

    public IReadOnlyDictionary<string, string?> Config { get; } = config;

    /// <summary>A member of the service started (error null), failed to start, or went away.</summary>
    public event Action<string, string?, string?, bool>? Report;

    public void Reported(string member, string? ticket, string? error, bool gone = false) => Report?.Invoke(member, ticket, error, gone);
}
