using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Hotplug.Hosting;

/// <summary>
/// What the host's parts ask of the reconcile loop between its passes — wake up, stage a folder again, re-apply a
/// plugin, collect the store — taken in by the loop on its next pass. Thread-safe.
/// </summary>
internal sealed class ReconcileSignals
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentQueue<string> _restage = new();
    private readonly ConcurrentQueue<(string Folder, string StoreCopy)> _changedCopies = new();
    private readonly ConcurrentQueue<string> _reapply = new();
    private int _collectionRequested = 1;

    /// <summary>Wakes the loop for a pass.</summary>
    public void Signal() => _wake.Writer.TryWrite(true);

    /// <summary>Waits for a signal or <paramref name="delay"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wake.CancelAfter(delay);
        try
        {
            await _wake.Reader.WaitToReadAsync(wake.Token).ConfigureAwait(false);
            _wake.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The tick: rescan.
        }
    }

    /// <summary>Asks for a folder whose store copy went missing before it was loaded to be staged again.</summary>
    public void Restage(string folder)
    {
        _restage.Enqueue(folder);
        Signal();
    }

    public bool TryTakeRestage(out string folder) => _restage.TryDequeue(out folder!);

    /// <summary>Records that a folder's store copy was found changed: it is staged again once an operator deleted that copy.</summary>
    public void StoreCopyChanged(string folder, string storeCopy)
    {
        _changedCopies.Enqueue((folder, storeCopy));
        Signal();
    }

    public bool TryTakeChangedCopy(out (string Folder, string StoreCopy) changed) => _changedCopies.TryDequeue(out changed);

    /// <summary>Asks for a plugin's folder to be applied again (a rollback was allowed).</summary>
    public void Reapply(string pluginId)
    {
        _reapply.Enqueue(pluginId);
        Signal();
    }

    public bool TryTakeReapply(out string pluginId) => _reapply.TryDequeue(out pluginId!);

    /// <summary>Asks for the store to be collected once the host is settled.</summary>
    public void RequestCollection() => Interlocked.Exchange(ref _collectionRequested, 1);

    /// <summary>Takes the request to collect the store, if there is one.</summary>
    public bool TakeCollectionRequest() => Interlocked.Exchange(ref _collectionRequested, 0) != 0;
}
