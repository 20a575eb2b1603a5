using System.Security.Cryptography;
using Hotplug.Bus.Protocol;
using NetMQ;

namespace Hotplug.Bus;

public sealed partial class BusHub
{
    /// <summary>On the socket's thread: one message from a member (its identity frame first).</summary>
    private void Receive(NetMQMessage message)
    {
        if (message.FrameCount < 2)
        {
            return;
        }

        var identity = message[0].ToByteArray();
        var key = Convert.ToBase64String(identity);
        if (!BusHeader.TryRead(message[1].Buffer.AsSpan(0, message[1].MessageSize), out var header))
        {
            HubLog.Malformed(_logger, key, "a message without a bus header");
            SendRaw(identity, new BusHeader(FrameKind.Error, 0), BusFrames.Text("Not a Hotplug bus message: the first frame must be a 14-byte bus header of protocol version 1."));
            return;
        }

        if (BusFrames.Size(message, 2) > _options.MaxMessageBytes)
        {
            Refuse(identity, header, ReplyStatus.TooLarge, $"A {header.Kind} message of {BusFrames.Size(message, 2)} bytes is over the bus's limit of {_options.MaxMessageBytes}.");
            return;
        }

        try
        {
            lock (_gate)
            {
                if (header.Kind == FrameKind.Hello)
                {
                    Hello(identity, key, message);
                    return;
                }

                if (!_members.TryGetValue(key, out var member) || (!member.Welcomed && header.Kind != FrameKind.Prove))
                {
                    SendRaw(identity, new BusHeader(FrameKind.Error, 0, 1), BusFrames.Text("This hub does not know this member: say hello first."));
                    return;
                }

                member.LastHeard = Environment.TickCount64;
                if (member.State == BusMemberState.Offline && member.Started)
                {
                    member.State = BusMemberState.Online;
                    HubLog.MemberBack(_logger, member.ToString());
                    DispatchWaiting();
                }

                Handle(member, header, message);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            HubLog.Malformed(_logger, key, $"{header.Kind}: {ex.Message}");
            SendRaw(identity, new BusHeader(FrameKind.Error, header.Id), BusFrames.Text($"The hub could not read this {header.Kind} message: {ex.Message}"));
        }
    }

    private void Handle(HubMember member, BusHeader header, NetMQMessage message)
    {
        switch (header.Kind)
        {
            case FrameKind.Prove:
                Prove(member, message[2].ToByteArray());
                break;
            case FrameKind.Started:
                Started(member, header.Argument == 0 ? null : BusFrames.Text(message[2]));
                break;
            case FrameKind.Heartbeat:
                break;
            case FrameKind.Bye:
                HubLog.Left(_logger, member.ToString());
                MemberLost(member, "it left", quiet: true);
                _members.Remove(member.Key);
                break;
            case FrameKind.Reply or FrameKind.Ack:
                Answered(member, header, message);
                break;
            case FrameKind.Health:
                // Every member asked answers under the same id: the check itself lets go of it when it ends.
                if (_health.TryGetValue(header.Id, out var ask))
                {
                    ask.Answer(member.Name, (PluginHealthStatus)header.Argument, BusFrames.Text(message[2]));
                }

                break;
            case FrameKind.Subscribe:
                member.Subscriptions.Add(BusFrames.Text(message[2]));
                break;
            case FrameKind.Unsubscribe:
                member.Subscriptions.Remove(BusFrames.Text(message[2]));
                break;
            case FrameKind.Publish:
                Route(FrameKind.Publish, BusFrames.Text(message[2]), member.Name, header.Id, message[3].ToByteArray(), member);
                break;
            case FrameKind.BusJoin:
                member.Channels.Add(BusFrames.Text(message[2]));
                break;
            case FrameKind.BusMessage:
                Route(FrameKind.BusMessage, BusFrames.Text(message[2]), member.Name, 0, message[3].ToByteArray(), member);
                break;
            case FrameKind.PairOpen:
                OpenPair(member, BusFrames.Text(message[2]));
                break;
            case FrameKind.PairMessage:
                var name = BusFrames.Text(message[2]);
                if (_pairHolders.TryGetValue(name, out var holder) && holder == member && _pairs.TryGetValue(name, out var pair))
                {
                    pair.Deliver(message[3].ToByteArray());
                }

                break;
            case FrameKind.PairClose:
                var closing = BusFrames.Text(message[2]);
                if (_pairHolders.TryGetValue(closing, out var closer) && closer == member)
                {
                    ClosePair(closing, notify: false);
                }

                break;
            default:
                Send(member, new BusHeader(FrameKind.Error, header.Id), BusFrames.Text($"A member does not send {header.Kind} messages."));
                break;
        }
    }

    private void Hello(byte[] identity, string key, NetMQMessage message)
    {
        var announce = message.FrameCount > 2 ? Handshake.Read<Announce>(message[2].ToByteArray()) : null;
        if (announce is null || string.IsNullOrWhiteSpace(announce.Member) || string.IsNullOrWhiteSpace(announce.Service) || announce.Contracts is null)
        {
            SendRaw(identity, new BusHeader(FrameKind.Refused, 0), BusFrames.Text("The hello does not say who the member is: it needs member, service, version and contracts."));
            return;
        }

        // The same name from another connection: the same member come back (a restarted process, a new connection)
        // when it holds the same key or ticket, and it replaces the old one once it proves so; otherwise another member.
        if (_members.Values.FirstOrDefault(m => m.Name == announce.Member && m.Key != key && m.State != BusMemberState.Offline) is { } twin &&
            !(twin.AnnouncedKey is not null && twin.AnnouncedKey == announce.PublicKey) && !(twin.Ticket is not null && twin.Ticket == announce.Ticket))
        {
            SendRaw(identity, new BusHeader(FrameKind.Refused, 0), BusFrames.Text($"A member named '{announce.Member}' is already on the bus ({twin.Service} {twin.Version}); give each member its own name (a member that restarted is let in with the same key at once, or without one once the old connection is seen offline)."));
            return;
        }

        if (!_members.TryGetValue(key, out var member))
        {
            member = new HubMember(identity, key);
            _members[key] = member;
        }

        member.Name = announce.Member;
        member.Service = announce.Service;
        member.Version = announce.Version ?? "";
        member.Contracts = new HashSet<string>(announce.Contracts, StringComparer.Ordinal);
        member.Credit = Math.Clamp(announce.Credit, 1, 100_000);
        member.LastHeard = Environment.TickCount64;
        member.Ticket = announce.Ticket;
        member.AnnouncedKey = announce.PublicKey;
        member.Owner = null;
        if (announce.Ticket is not null && _tickets.TryGetValue(announce.Ticket, out var launched) && launched.Service == announce.Service)
        {
            member.Owner = launched.Owner;
            Welcome(member);
            return;
        }

        member.Ticket = null;
        if (_hubKeys is null)
        {
            Welcome(member);
            return;
        }

        byte[]? publicKey = null;
        try
        {
            publicKey = announce.PublicKey is null ? null : BusKeys.FromPublicKey(announce.PublicKey).Certificate.PublicKey;
        }
        catch (FormatException)
        {
            // Refused below as unknown.
        }

        if (publicKey is null || !TrustedKeys().Contains(announce.PublicKey!))
        {
            _members.Remove(key);
            HubLog.Refused(_logger, announce.Member, "its key is not trusted");
            SendRaw(identity, new BusHeader(FrameKind.Refused, 0), BusFrames.Text(
                $"Member '{announce.Member}' is not trusted: {(announce.PublicKey is null ? "it presented no key" : $"its public key {announce.PublicKey} is not in the host's trusted members folder")}."));
            return;
        }

        member.PublicKey = publicKey;
        member.Nonce = RandomNumberGenerator.GetBytes(Handshake.NonceLength);
        member.Challenge = RandomNumberGenerator.GetBytes(Handshake.ChallengeLength);
        SendRaw(identity, new BusHeader(FrameKind.Challenge, 0), member.Nonce, member.Challenge);
    }

    private void Prove(HubMember member, byte[] proof)
    {
        if (member.Challenge is null || member.PublicKey is null || !Handshake.Verify(_hubKeys!.Certificate.SecretKey!, member.PublicKey, member.Nonce!, member.Challenge, proof))
        {
            _members.Remove(member.Key);
            HubLog.Refused(_logger, member.Name, "it could not prove it holds its key");
            SendRaw(member.Identity, new BusHeader(FrameKind.Refused, 0), BusFrames.Text($"Member '{member.Name}' could not prove it holds the secret key of the public key it presented."));
            return;
        }

        member.Challenge = null;
        Welcome(member);
    }

    private void Welcome(HubMember member)
    {
        var service = member.Owner ?? _services.GetValueOrDefault(member.Service);
        var welcome = new Protocol.Welcome(
            service?.PluginId ?? member.Service,
            service?.Version ?? member.Version,
            service?.Config ?? new Dictionary<string, string?>(),
            (int)_options.HeartbeatInterval.TotalMilliseconds,
            (int)_options.MemberTimeout.TotalMilliseconds,
            _options.MaxMessageBytes);
        member.Welcomed = true;
        foreach (var stale in _members.Values.Where(m => m.Name == member.Name && m != member).ToList())
        {
            MemberLost(stale, "it joined again from another connection", quiet: true);
            _members.Remove(stale.Key);
        }

        SendRaw(member.Identity, new BusHeader(FrameKind.Welcome, 0), Handshake.Write(welcome));
    }

    private void Started(HubMember member, string? error)
    {
        if (error is null)
        {
            member.Started = true;
            member.State = BusMemberState.Online;
            HubLog.Joined(_logger, member.ToString(), string.Join(", ", member.Contracts));
            DispatchWaiting();
        }
        else
        {
            HubLog.Refused(_logger, member.Name, $"its plugin failed to start: {error}");
        }

        (member.Owner ?? _services.GetValueOrDefault(member.Service))?.Reported(member.Name, member.Ticket, error);
    }

    /// <summary>Under the lock: the member stopped answering or left. Its calls go to other members; its pairs close.</summary>
    private void MemberLost(HubMember member, string why, bool quiet = false)
    {
        if (member.State == BusMemberState.Offline)
        {
            return;
        }

        var wasOnline = member.State == BusMemberState.Online;
        member.State = BusMemberState.Offline;
        member.OfflineSince = Environment.TickCount64;
        if (wasOnline && !quiet)
        {
            HubLog.MemberGone(_logger, member.ToString(), why);
        }

        foreach (var name in _pairHolders.Where(p => p.Value == member).Select(p => p.Key).ToList())
        {
            ClosePair(name, notify: false);
        }

        foreach (var call in _pending.Values.Where(c => c.Member == member).ToList())
        {
            member.InFlight--;
            Resend(call, $"member '{member.Name}' {why}");
        }

        foreach (var survey in _surveys.Values)
        {
            survey.Gone(member.Name);
        }

        foreach (var ask in _health.Values)
        {
            ask.Gone(member.Name);
        }

        (member.Owner ?? _services.GetValueOrDefault(member.Service))?.Reported(member.Name, member.Ticket, null, gone: true);
    }

    /// <summary>On the socket's thread, a few times per heartbeat: heartbeats out, silent members offline, slow calls sent again.</summary>
    private void Tick()
    {
        var now = Environment.TickCount64;
        lock (_gate)
        {
            foreach (var member in _members.Values.ToList())
            {
                if (member.State != BusMemberState.Offline && now - member.LastHeard > _options.MemberTimeout.TotalMilliseconds)
                {
                    MemberLost(member, $"did not answer for {_options.MemberTimeout.TotalSeconds:0.#} s");
                }
                else if (member.State == BusMemberState.Offline && now - member.OfflineSince > 10 * _options.MemberTimeout.TotalMilliseconds)
                {
                    _members.Remove(member.Key);
                }
                else if (member.Welcomed && member.State != BusMemberState.Offline && now - member.LastBeat >= _options.HeartbeatInterval.TotalMilliseconds)
                {
                    member.LastBeat = now;
                    Send(member, new BusHeader(FrameKind.Heartbeat, 0), droppable: true);
                }
            }

            RetrySlow(now);
            ExpireWaiting(now);
        }
    }

    private void SendRaw(byte[] identity, BusHeader header, params ReadOnlySpan<byte[]> frames)
    {
        var message = BusFrames.Message(header, frames);
        message.Push(identity);
        _loop.Send(message, droppable: true);
    }

    private void Refuse(byte[] identity, BusHeader header, ReplyStatus status, string reason)
    {
        HubLog.Malformed(_logger, Convert.ToBase64String(identity), reason);
        if (header.Kind is FrameKind.Reply or FrameKind.Ack)
        {
            lock (_gate)
            {
                if (_pending.Remove(header.Id, out var call))
                {
                    call.Member!.InFlight--;
                    call.Fail(new BusCallException($"The answer of member '{call.Member.Name}' to {call.Contract} {call.Operation} was refused: {reason}"));
                }
            }
        }

        SendRaw(identity, new BusHeader(FrameKind.Error, header.Id, (int)status), BusFrames.Text(reason));
    }

    private HashSet<string> TrustedKeys()
    {
        var folder = _options.TrustedMembersPath!;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(folder))
        {
            return _trustedAtStart ?? keys;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*.pub"))
        {
            var text = File.ReadAllText(file).Trim();
            if (text.Length == 40)
            {
                keys.Add(text);
            }
        }

        return keys;
    }
}
