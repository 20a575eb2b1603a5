using Hotplug.Bus.Protocol;
using Hotplug.Contracts;
using Hotplug.Wire;
using NetMQ;

namespace Hotplug.Bus;

public sealed partial class BusHub
{
    private int _roundRobin;
    private long _failedItems;

    internal IOperationInvoker Invoker(string service, ContractSchema schema, Func<Exception, Exception>? translate, int deadlineMs = 0, HubService? owner = null) =>
        new BusInvoker(this, service, schema, translate ?? (e => e), deadlineMs, owner);

    internal IDisposable RegisterService(string service, HubService registration)
    {
        lock (_gate)
        {
            _services[service] = registration;
        }

        return new Unregister(() =>
        {
            lock (_gate)
            {
                if (_services.TryGetValue(service, out var current) && current == registration)
                {
                    _services.Remove(service);
                }
            }
        });
    }

    internal void AddTicket(string ticket, string service, HubService owner)
    {
        lock (_gate)
        {
            _tickets[ticket] = (service, owner);
        }
    }

    internal void RemoveTicket(string ticket)
    {
        lock (_gate)
        {
            _tickets.Remove(ticket);
        }
    }

    /// <summary>Tells the members launched with <paramref name="ticket"/> to leave.</summary>
    internal void SayGoodbye(string ticket)
    {
        lock (_gate)
        {
            foreach (var member in _members.Values.Where(m => m.Ticket == ticket))
            {
                Send(member, new BusHeader(FrameKind.Bye, 0));
            }
        }
    }

    /// <summary>Asks every online member of a service for its health.</summary>
    internal async Task<IReadOnlyList<(string Member, PluginHealthStatus Status, string Description)>> CheckHealthAsync(string service, HubService? owner, CancellationToken cancellationToken)
    {
        var id = NextId();
        HealthAsk ask;
        lock (_gate)
        {
            var members = _members.Values.Where(m => m.Service == service && m.State == BusMemberState.Online && m.Started && (m.Owner is null || m.Owner == owner)).ToList();
            ask = new HealthAsk([.. members.Select(m => m.Name)]);
            _health[id] = ask;
            foreach (var member in members)
            {
                Send(member, new BusHeader(FrameKind.Health, id));
            }

            if (members.Count == 0)
            {
                ask.Gone("");
            }
        }

        try
        {
            await ask.Complete.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                return [.. ask.Answers];
            }
        }
        finally
        {
            lock (_gate)
            {
                _health.Remove(id);
            }
        }
    }

    internal PendingCall Start(FrameKind kind, string service, string contract, ContractOperation operation, byte[] payload, int deadlineMs, HubService? owner = null)
    {
        if (payload.Length > _options.MaxMessageBytes)
        {
            throw new BusMessageTooLargeException(payload.Length, _options.MaxMessageBytes);
        }

        var call = new PendingCall(NextId(), kind, service, contract, operation, payload, deadlineMs) { Owner = owner };
        lock (_gate)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                call.Fail(new BusCallException("The host's bus stopped.", BusFailure.Stopped));
            }
            else if (Pick(call) is { } member)
            {
                Assign(call, member);
            }
            else
            {
                call.WaitingSince = Environment.TickCount64;
                _waiting.Enqueue(call);
            }
        }

        return call;
    }

    /// <summary>The caller gave up on a call: it leaves the queue, and its member is told to stop.</summary>
    internal void Abandon(PendingCall call)
    {
        lock (_gate)
        {
            if (_pending.Remove(call.Id) && call.Member is { } member)
            {
                member.InFlight--;
                Send(member, new BusHeader(FrameKind.Cancel, call.Id));
                DispatchWaiting();
            }
        }
    }

    private HubMember? Pick(PendingCall call)
    {
        // Members that have not had this call first; among them the least busy; among those, take turns.
        HubMember? best = null;
        var bestRank = (Tried: true, InFlight: int.MaxValue);
        var ties = 0;
        var turn = (uint)_roundRobin++;
        foreach (var member in _members.Values)
        {
            if (member.Service != call.Service || !member.Serves(call.Contract) || (member.Owner is not null && call.Owner is not null && member.Owner != call.Owner) || (call.Kind == FrameKind.Push && member.InFlight >= member.Credit))
            {
                continue;
            }

            var rank = (Tried: call.Tried.Contains(member.Name), member.InFlight);
            var better = best is null || (!rank.Tried && bestRank.Tried) || (rank.Tried == bestRank.Tried && rank.InFlight < bestRank.InFlight);
            if (better)
            {
                (best, bestRank, ties) = (member, rank, 1);
            }
            else if (rank == bestRank && turn % (uint)++ties == 0)
            {
                best = member;
            }
        }

        return best;
    }

    private void Assign(PendingCall call, HubMember member)
    {
        call.Member = member;
        call.Tried.Add(member.Name);
        call.SentAt = Environment.TickCount64;
        member.InFlight++;
        _pending[call.Id] = call;
        Send(member, new BusHeader(call.Kind, call.Id, call.DeadlineMs), BusFrames.Text(call.Contract), BusFrames.Text(call.Operation.Name), call.Payload);
        call.Assigned.TrySetResult();
    }

    /// <summary>Under the lock: the call's member is gone; another member takes it, or it fails (a work item waits for one).</summary>
    private void Resend(PendingCall call, string why)
    {
        _pending.Remove(call.Id);
        if (Pick(call) is { } other)
        {
            HubLog.Resent(_logger, call.ToString(), why, other.Name);
            Assign(call, other);
        }
        else if (call.Kind == FrameKind.Push)
        {
            call.WaitingSince = Environment.TickCount64;
            _waiting.Enqueue(call);
        }
        else
        {
            call.Fail(new BusCallException($"The call to {call} was lost: {why} before it answered, and no other member of '{call.Service}' serving {call.Contract} is online to take it. It may or may not have run.", BusFailure.MemberVanished));
        }
    }

    private void RetrySlow(long now)
    {
        var retry = (long)_options.RetryAfter.TotalMilliseconds;
        foreach (var call in _pending.Values.Where(c => c.Kind == FrameKind.Request && now - c.SentAt > retry).ToList())
        {
            if (Pick(call) is { } other && other != call.Member)
            {
                call.Member!.InFlight--;
                HubLog.Resent(_logger, call.ToString(), $"member '{call.Member.Name}' did not answer within {_options.RetryAfter.TotalSeconds:0.#} s", other.Name);
                Assign(call, other);
            }
            else
            {
                call.SentAt = now;
            }
        }
    }

    private void ExpireWaiting(long now)
    {
        if (_waiting.Count == 0)
        {
            return;
        }

        var wait = (long)_options.NoMemberWait.TotalMilliseconds;
        var kept = new List<PendingCall>(_waiting.Count);
        while (_waiting.TryDequeue(out var call))
        {
            if (call.Done.Task.IsCompleted)
            {
                continue;
            }

            if (call.Kind == FrameKind.Request && now - call.WaitingSince > wait)
            {
                var known = _members.Values.Where(m => m.Service == call.Service).Select(m => $"{m.Name} ({m.State.ToString().ToLowerInvariant()})").ToList();
                call.Fail(new BusCallException(
                    $"No member of '{call.Service}' serving {call.Contract} was online within {_options.NoMemberWait.TotalSeconds:0.#} s (members known: {(known.Count == 0 ? "none" : string.Join(", ", known))}).",
                    BusFailure.NoMember));
                continue;
            }

            kept.Add(call);
        }

        foreach (var call in kept)
        {
            _waiting.Enqueue(call);
        }
    }

    /// <summary>Under the lock: a member came online or has room again; the calls waiting for one go out, in order.</summary>
    private void DispatchWaiting()
    {
        var count = _waiting.Count;
        for (var i = 0; i < count && _waiting.TryDequeue(out var call); i++)
        {
            if (call.Done.Task.IsCompleted)
            {
                continue;
            }

            if (Pick(call) is { } member)
            {
                Assign(call, member);
            }
            else
            {
                _waiting.Enqueue(call);
            }
        }
    }

    private void Answered(HubMember member, BusHeader header, NetMQMessage message)
    {
        var status = (ReplyStatus)header.Argument;
        if (_pending.TryGetValue(header.Id, out var call) && call.Member != member && (status != ReplyStatus.Ok || !call.Tried.Contains(member.Name)))
        {
            // A call that moved on to another member: the first one's result still wins, but not its failure (cancelled
            // as it left, say), nor anything from a member that never had the call.
            Interlocked.Increment(ref _lateAnswers);
        }
        else if (_pending.Remove(header.Id, out call))
        {
            call.Member!.InFlight--;
            member.Served++;
            if (status == ReplyStatus.Ok)
            {
                call.Done.TrySetResult(message[2].ToByteArray());
            }
            else
            {
                var text = message.FrameCount > 2 ? BusFrames.Text(message[2]) : status.ToString();
                if (call.Kind == FrameKind.Push)
                {
                    Interlocked.Increment(ref _failedItems);
                    HubLog.ItemFailed(_logger, call.ToString(), member.Name, text);
                }

                call.Fail(new BusCallException(
                    status == ReplyStatus.Failed ? text : $"Member '{member.Name}' refused {call}: {text}",
                    status == ReplyStatus.Failed ? BusFailure.Failed : BusFailure.Refused,
                    message.FrameCount > 3 ? BusFrames.Text(message[3]) : null));
            }

            if (call.Kind == FrameKind.Push)
            {
                DispatchWaiting();
            }
        }
        else if (_surveys.TryGetValue(header.Id, out var survey))
        {
            member.Served++;
            survey.Answer(member.Name, status == ReplyStatus.Ok ? message[2].ToByteArray() : null, message.FrameCount > 2 ? BusFrames.Text(message[2]) : status.ToString());
        }
        else
        {
            // An answer to a call already answered by another member, to a survey past its deadline, or to a cancelled call.
            Interlocked.Increment(ref _lateAnswers);
        }
    }

    private sealed class Unregister(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
