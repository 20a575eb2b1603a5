using System.Collections.Concurrent;
using NetMQ;

namespace Hotplug.Bus.Protocol;

/// <summary>
/// One NetMQ socket and the thread that owns it: messages received are handed to <c>receive</c> on that thread; sends
/// from any thread are queued to it (NetMQ sockets are not thread-safe); a timer ticks on it for heartbeats and retries.
/// </summary>
internal sealed class SocketLoop : IDisposable
{
    private const int BatchSize = 256;

    // Droppable messages (published, channel) waiting for the socket's thread: past this, more are dropped at once, so a
    // publisher faster than the socket neither grows memory without end nor delays heartbeats and calls behind it.
    private const int MaxDroppableBacklog = 10_000;
    private int _droppableBacklog;
    private readonly NetMQSocket _socket;
    private readonly NetMQPoller _poller;
    // Sends wait here; the socket's thread is woken once per batch, not once per message: a wake-up is a write to a
    // pipe and a thread switch, most of a small message's cost.
    private readonly ConcurrentQueue<Outgoing> _outgoing = new();
    private readonly NetMQQueue<bool> _wake = new();
    private int _woken;
    private readonly NetMQTimer _timer;
    private readonly Action<NetMQMessage> _receive;
    private readonly Action<Outgoing> _unsent;
    private int _disposed;

    public SocketLoop(NetMQSocket socket, Action<NetMQMessage> receive, Action<Outgoing> unsent, TimeSpan tick, Action onTick)
    {
        _socket = socket;
        _receive = receive;
        _unsent = unsent;
        _timer = new NetMQTimer(tick);
        _timer.Elapsed += (_, _) => onTick();
        _socket.ReceiveReady += OnReceiveReady;
        _wake.ReceiveReady += OnWake;
        _poller = [_socket, _wake, _timer];
    }

    /// <summary>Gets whether the caller runs on the socket's thread.</summary>
    public bool OnLoopThread => _poller.CanExecuteTaskInline;

    public void Start(string name) => _poller.RunAsync(name, isBackgroundThread: true);

    /// <summary>
    /// Queues a message to send; <paramref name="droppable"/> ones are dropped (and reported unsent) when the peer's queue
    /// is full, or when too many droppable ones already wait for the socket's thread.
    /// </summary>
    public void Send(NetMQMessage message, bool droppable = false, object? state = null)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            _unsent(new Outgoing(message, droppable, state));
            return;
        }

        if (droppable && Interlocked.Increment(ref _droppableBacklog) > MaxDroppableBacklog)
        {
            Interlocked.Decrement(ref _droppableBacklog);
            _unsent(new Outgoing(message, droppable, state));
            return;
        }

        _outgoing.Enqueue(new Outgoing(message, droppable, state));
        Wake();
    }

    /// <summary>Runs <paramref name="action"/> on the socket's thread.</summary>
    public void Run(Action action)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            new Task(action).Start(_poller);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _poller.Stop();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _socket.Options.Linger = TimeSpan.Zero;
        _poller.Dispose();
        _socket.Dispose();
        while (_outgoing.TryDequeue(out var left))
        {
            _unsent(left);
        }

        _wake.Dispose();
    }

    private void OnReceiveReady(object? sender, NetMQSocketEventArgs e)
    {
        var message = new NetMQMessage();
        for (var i = 0; i < BatchSize && e.Socket.TryReceiveMultipartMessage(TimeSpan.Zero, ref message!); i++)
        {
            _receive(message);
            message = new NetMQMessage();
        }
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _woken, 1) == 0)
        {
            _wake.Enqueue(true);
        }
    }

    private void OnWake(object? sender, NetMQQueueEventArgs<bool> e)
    {
        while (e.Queue.TryDequeue(out _, TimeSpan.Zero))
        {
        }

        // Cleared (with a full fence) before the queue is read: a message queued from now on wakes this thread again.
        Interlocked.Exchange(ref _woken, 0);
        for (var i = 0; i < BatchSize && _outgoing.TryDequeue(out var item); i++)
        {
            if (item.Droppable)
            {
                Interlocked.Decrement(ref _droppableBacklog);
            }

            bool sent;
            try
            {
                // A peer whose queue is full: a droppable message is dropped; any other waits a moment, then is reported.
                sent = _socket.TrySendMultipartMessage(item.Droppable ? TimeSpan.Zero : TimeSpan.FromMilliseconds(50), item.Message);
            }
            catch (NetMQException)
            {
                // The peer is gone (a router's mandatory routing), or the socket is closing.
                sent = false;
            }

            if (!sent)
            {
                _unsent(item);
            }
        }

        if (!_outgoing.IsEmpty)
        {
            // More than a batch: the rest after whatever else is ready (received messages, the timer).
            Wake();
        }
    }
}

/// <summary>A message queued to a <see cref="SocketLoop"/>, with what its sender needs to know if it is not sent.</summary>
internal readonly record struct Outgoing(NetMQMessage Message, bool Droppable, object? State);
