using Hotplug.Bus.Protocol;
using NetMQ;

namespace Hotplug.Bus;

public sealed partial class BusMember
{
    /// <summary>On the socket's thread: one message from the hub.</summary>
    private void Receive(NetMQMessage message)
    {
        if (message.FrameCount == 0 || !BusHeader.TryRead(message[0].Buffer.AsSpan(0, message[0].MessageSize), out var header))
        {
            BusLog.Malformed(_logger, "a message without a bus header (another protocol, or another version of it)");
            return;
        }

        Interlocked.Exchange(ref _lastHeard, Environment.TickCount64);
        try
        {
            Handle(header, message);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            BusLog.Malformed(_logger, $"{header.Kind}: {ex.Message}");
        }
    }

    private void Handle(BusHeader header, NetMQMessage message)
    {
        switch (header.Kind)
        {
            case FrameKind.Challenge when _options.Keys is { SecretKey: not null } keys && _options.HubPublicKey is { } hubKey:
                var proof = Handshake.Prove(keys.Certificate.SecretKey!, BusKeys.FromPublicKey(hubKey).Certificate.PublicKey, message[1].ToByteArray(), message[2].ToByteArray());
                _loop.Send(BusFrames.Message(new BusHeader(FrameKind.Prove, 0), proof));
                break;
            case FrameKind.Challenge:
                _welcome.TrySetException(new BusRefusedException("The hub asks this member to prove its key, and it has none: set BusMemberOptions.HubPublicKey and Keys."));
                break;
            case FrameKind.Welcome:
                var welcome = Handshake.Read<Welcome>(message[1].ToByteArray()) ?? throw new FormatException("The welcome is not JSON.");
                _heartbeatMs = Math.Max(10, welcome.HeartbeatMs);
                _timeoutMs = Math.Max(_heartbeatMs * 2, welcome.TimeoutMs);
                _maxMessageBytes = welcome.MaxMessageBytes;
                if (!_welcome.TrySetResult(welcome))
                {
                    // Joined again after the hub lost this member: say again what it listens to.
                    _loop.Send(BusFrames.Message(new BusHeader(FrameKind.Started, 0, 0)));
                    foreach (var prefix in _subscriptions.Prefixes)
                    {
                        SendControl(FrameKind.Subscribe, prefix);
                    }

                    foreach (var channel in _channels.Prefixes)
                    {
                        SendControl(FrameKind.BusJoin, channel);
                    }
                }

                _online = _online || _welcome.Task.IsCompletedSuccessfully && Context is not null;
                break;
            case FrameKind.Refused:
                var reason = BusFrames.Text(message[1]);
                if (!_welcome.TrySetException(new BusRefusedException(reason)))
                {
                    BusLog.HubError(_logger, reason);
                }

                break;
            case FrameKind.Error:
                BusLog.HubError(_logger, BusFrames.Text(message[1]));
                if (header.Argument == 1 && _welcome.Task.IsCompleted && Volatile.Read(ref _disposed) == 0)
                {
                    // The hub does not know this member (it restarted, or declared it gone): join again.
                    _online = false;
                    SendHello();
                }

                break;
            case FrameKind.Bye:
                // The host stops this member.
                _ = DisposeAsync().AsTask();
                break;
            case FrameKind.Heartbeat:
                break;
            case FrameKind.Request or FrameKind.Survey or FrameKind.Push:
                Dispatch(header, BusFrames.Text(message[1]), BusFrames.Text(message[2]), message[3].ToByteArray());
                break;
            case FrameKind.Cancel:
                if (_running.TryGetValue(header.Id, out var running))
                {
                    running.Cancel();
                }

                break;
            case FrameKind.Health:
                _ = CheckHealthAsync(header.Id);
                break;
            case FrameKind.Publish:
                _subscriptions.Deliver(BusFrames.Text(message[1]), message.FrameCount > 3 ? BusFrames.Text(message[3]) : "host", header.Id, message[2].ToByteArray());
                break;
            case FrameKind.BusMessage:
                _channels.Deliver(BusFrames.Text(message[1]), message.FrameCount > 3 ? BusFrames.Text(message[3]) : "host", 0, message[2].ToByteArray());
                break;
            case FrameKind.PairOpened:
                _pairOpening.GetValueOrDefault(BusFrames.Text(message[1]))?.TrySetResult(null);
                break;
            case FrameKind.PairRefused:
                _pairOpening.GetValueOrDefault(BusFrames.Text(message[1]))?.TrySetResult(BusFrames.Text(message[2]));
                break;
            case FrameKind.PairMessage:
                _pairs.GetValueOrDefault(BusFrames.Text(message[1]))?.Deliver(message[2].ToByteArray());
                break;
            case FrameKind.PairClose:
                if (_pairs.TryRemove(BusFrames.Text(message[1]), out var pair))
                {
                    pair.Close();
                }

                break;
            default:
                BusLog.Malformed(_logger, $"a {header.Kind} message, which a member does not take");
                break;
        }
    }

    /// <summary>A call, survey or work item: run off the socket's thread; answered with a reply (an ack for a work item).</summary>
    private void Dispatch(BusHeader header, string contract, string operation, byte[] payload)
    {
        var answer = header.Kind == FrameKind.Push ? FrameKind.Ack : FrameKind.Reply;
        if (!_served.TryFind(contract, operation, out var found, out var dispatcher))
        {
            _loop.Send(BusFrames.Message(new BusHeader(answer, header.Id, (int)ReplyStatus.Unknown), BusFrames.Text(_served.Missing(contract, operation))));
            return;
        }

        var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        if (header.Argument > 0)
        {
            cancel.CancelAfter(header.Argument);
        }

        _running[header.Id] = cancel;
        if (_options.RunHandlersInline)
        {
            _ = RunAsync(header, answer, found, dispatcher, payload, cancel);
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static state => _ = state.Member.RunAsync(state.Header, state.Answer, state.Found, state.Dispatcher, state.Payload, state.Cancel),
            (Member: this, Header: header, Answer: answer, Found: found, Dispatcher: dispatcher, Payload: payload, Cancel: cancel),
            preferLocal: false);
    }

    private async Task RunAsync(BusHeader header, FrameKind answer, Wire.ContractOperation operation, Contracts.OperationDispatcher dispatcher, byte[] payload, CancellationTokenSource cancel)
    {
        NetMQMessage reply;
        try
        {
            var result = await Served.CallAsync(operation, dispatcher, payload, cancel.Token).ConfigureAwait(false);
            reply = result.Length > _maxMessageBytes
                ? BusFrames.Message(new BusHeader(answer, header.Id, (int)ReplyStatus.TooLarge), BusFrames.Text($"The answer of {operation.Descriptor} is {result.Length} bytes, over the bus's limit of {_maxMessageBytes}."))
                : BusFrames.Message(new BusHeader(answer, header.Id, (int)ReplyStatus.Ok), result);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            reply = BusFrames.Message(new BusHeader(answer, header.Id, (int)ReplyStatus.Cancelled), BusFrames.Text("cancelled"));
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or EndOfStreamException or IndexOutOfRangeException)
        {
            reply = BusFrames.Message(new BusHeader(answer, header.Id, (int)ReplyStatus.Malformed), BusFrames.Text($"The request for {operation.Descriptor} could not be read: {ex.Message}"));
        }
        catch (Exception ex)
        {
            reply = BusFrames.Message(new BusHeader(answer, header.Id, (int)ReplyStatus.Failed), BusFrames.Text(ex.Message), BusFrames.Text(ex.GetType().FullName ?? ex.GetType().Name));
        }
        finally
        {
            _running.TryRemove(header.Id, out _);
            cancel.Dispose();
        }

        _loop.Send(reply);
    }

    private async Task CheckHealthAsync(ulong id)
    {
        PluginHealth health;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            health = _plugin is null ? PluginHealth.Healthy() : await _plugin.CheckHealthAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            health = PluginHealth.Unhealthy($"Its health check failed: {ex.Message}");
        }

        _loop.Send(BusFrames.Message(new BusHeader(FrameKind.Health, id, (int)health.Status), BusFrames.Text(health.Description ?? "")));
    }
}
