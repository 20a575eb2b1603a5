using Hotplug.Bus.Protocol;

namespace Hotplug.Bus;

// Published messages, bus-channel messages and pairs, on the hub's side.
public sealed partial class BusHub
{
    /// <summary>Under the lock: a published message or a bus-channel message, to the members (and host handlers) it is for.</summary>
    private void Route(FrameKind kind, string topic, string sender, ulong sequence, byte[] payload, HubMember? from)
    {
        List<HubMember> targets;
        lock (_gate)
        {
            targets = kind == FrameKind.Publish
                ? [.. _members.Values.Where(m => m != from && m.State == BusMemberState.Online && m.Subscriptions.Any(p => topic.StartsWith(p, StringComparison.Ordinal)))]
                : [.. _members.Values.Where(m => m != from && m.State == BusMemberState.Online && m.Channels.Contains(topic))];
        }

        foreach (var member in targets)
        {
            Send(member, new BusHeader(kind, sequence), droppable: kind == FrameKind.Publish, BusFrames.Text(topic), payload, BusFrames.Text(sender));
        }

        if (kind == FrameKind.Publish)
        {
            _subscriptions.Deliver(topic, sender, sequence, payload);
        }
        else if (from is not null)
        {
            _channels.Deliver(topic, sender, 0, payload);
        }
    }

    private void OpenPair(HubMember member, string name)
    {
        if (_pairHolders.TryGetValue(name, out var holder) && holder != member)
        {
            Send(member, new BusHeader(FrameKind.PairRefused, 0), BusFrames.Text(name), BusFrames.Text($"member '{holder.Name}' holds it; a pair has one peer."));
        }
        else if (_pairWaiters.TryGetValue(name, out var waiter))
        {
            _pairHolders[name] = member;
            waiter.TrySetResult(member);
        }
        else
        {
            Send(member, new BusHeader(FrameKind.PairRefused, 0), BusFrames.Text(name), BusFrames.Text("the host does not accept it now."));
        }
    }

    private void ClosePair(string name, bool notify)
    {
        IPairEnd? pair;
        HubMember? holder;
        lock (_gate)
        {
            _pairHolders.Remove(name, out holder);
            _pairs.Remove(name, out pair);
        }

        pair?.Close();
        if (notify && holder is not null)
        {
            Send(holder, new BusHeader(FrameKind.PairClose, 0), BusFrames.Text(name));
        }
    }
}
