namespace Hotplug.Scripting;

/// <summary>
/// The engines of one script version: at least <see cref="ScriptPoolOptions.Min"/>, at most
/// <see cref="ScriptPoolOptions.Max"/>, one call each at a time. A call beyond them waits in a bounded queue, and one
/// more is refused at once (<see cref="ScriptPoolFullException"/>). An engine that is no longer usable is discarded
/// when it comes back, and its place goes to the next waiting call.
/// </summary>
internal sealed class EnginePool : IDisposable
{
    private readonly Lock _sync = new();
    private readonly Stack<EngineWorker> _idle = new();
    private readonly LinkedList<TaskCompletionSource<EngineWorker?>> _waiting = new();
    private readonly string _pluginId;
    private readonly string _version;
    private readonly ScriptPoolOptions _options;
    private readonly Func<EngineWorker> _create;
    private int _size;
    private int _busy;
    private long _refused;
    private long _discarded;
    private bool _disposed;

    public EnginePool(string pluginId, string version, ScriptPoolOptions options, Func<EngineWorker> create)
    {
        _pluginId = pluginId;
        _version = version;
        _options = options;
        _create = create;
    }

    public PluginPoolStatus Status
    {
        get
        {
            lock (_sync)
            {
                return new PluginPoolStatus(_options.Min, _options.Max, _size, _busy, _waiting.Count, _options.Queue, _refused, _discarded);
            }
        }
    }

    /// <summary>Makes the pool's first engines; the first failure (a script whose top level fails) is thrown.</summary>
    public void Fill()
    {
        for (var i = 0; i < _options.Min; i++)
        {
            var engine = _create();
            lock (_sync)
            {
                _size++;
                _idle.Push(engine);
            }
        }
    }

    /// <summary>Takes an idle engine, makes one while the pool is below its maximum, or waits in the queue.</summary>
    /// <exception cref="ScriptPoolFullException">Every engine is busy and the queue is full.</exception>
    public ValueTask<EngineWorker> RentAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<EngineWorker?> waiter;
        LinkedListNode<TaskCompletionSource<EngineWorker?>> node;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_idle.TryPop(out var idle))
            {
                _busy++;
                return ValueTask.FromResult(idle);
            }

            if (_size < _options.Max)
            {
                _size++;
                _busy++;
                return ValueTask.FromResult(CreateReserved());
            }

            if (_waiting.Count >= _options.Queue)
            {
                _refused++;
                throw new ScriptPoolFullException(_pluginId, _version, _size, _options.Queue);
            }

            waiter = new TaskCompletionSource<EngineWorker?>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast(waiter);
        }

        return WaitAsync(waiter, node, cancellationToken);
    }

    /// <summary>Gives an engine back after a call: to the next waiting call, to the idle engines, or — unusable — discarded.</summary>
    public void Return(EngineWorker engine)
    {
        if (!engine.IsUsable)
        {
            Discard(engine);
            return;
        }

        lock (_sync)
        {
            if (!_disposed)
            {
                while (_waiting.First is { } first)
                {
                    _waiting.RemoveFirst();
                    if (first.Value.TrySetResult(engine))
                    {
                        return;
                    }
                }

                _busy--;
                _idle.Push(engine);
                return;
            }

            _busy--;
            _size--;
        }

        engine.Dispose();
    }

    /// <summary>Throws a rented engine away; its place goes to the next waiting call, which makes a new one.</summary>
    public void Discard(EngineWorker engine)
    {
        engine.Dispose();
        lock (_sync)
        {
            _discarded++;
            while (!_disposed && _waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                if (first.Value.TrySetResult(null))
                {
                    return; // the waiter makes the engine in this place
                }
            }

            _busy--;
            _size--;
        }
    }

    public void Dispose()
    {
        List<EngineWorker> idle;
        lock (_sync)
        {
            _disposed = true;
            idle = [.. _idle];
            _size -= _idle.Count;
            _idle.Clear();
            foreach (var waiter in _waiting)
            {
                waiter.TrySetException(new ObjectDisposedException(nameof(EnginePool), $"Plugin '{_pluginId}' {_version} stopped."));
            }

            _waiting.Clear();
        }

        foreach (var engine in idle)
        {
            engine.Dispose();
        }
    }

    /// <summary>Makes an engine in a place already counted; gives the place back when the script's top level fails.</summary>
    private EngineWorker CreateReserved()
    {
        try
        {
            return _create();
        }
        catch
        {
            lock (_sync)
            {
                _size--;
                _busy--;
            }

            throw;
        }
    }

    private async ValueTask<EngineWorker> WaitAsync(TaskCompletionSource<EngineWorker?> waiter, LinkedListNode<TaskCompletionSource<EngineWorker?>> node, CancellationToken cancellationToken)
    {
        EngineWorker? engine;
        using (cancellationToken.Register(() =>
        {
            lock (_sync)
            {
                if (node.List is not null)
                {
                    _waiting.Remove(node);
                }
            }

            waiter.TrySetCanceled(cancellationToken);
        }))
        {
            engine = await waiter.Task.ConfigureAwait(false);
        }

        return engine ?? CreateReserved();
    }
}
