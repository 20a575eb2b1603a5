namespace Hotplug.Scripting.Tests;

/// <summary>The pool alone, over engines that only say whether they are usable: what it hands out, queues, refuses and discards.</summary>
public sealed class EnginePoolTests
{
    private int _made;

    [Fact]
    public void Fill_MakesTheMinimum()
    {
        using var pool = Pool(new ScriptPoolOptions(2, 4, 1));

        pool.Fill();

        Assert.Equal(2, _made);
        Assert.Equal(new PluginPoolStatus(2, 4, 2, 0, 0, 1, 0, 0), pool.Status);
    }

    [Fact]
    public async Task Saturated_QueuesUpToItsLimit_RefusesTheNext_ThenRecovers()
    {
        using var pool = Pool(new ScriptPoolOptions(0, 2, 1));
        var first = await pool.RentAsync(CancellationToken.None);
        var second = await pool.RentAsync(CancellationToken.None);
        var waiting = pool.RentAsync(CancellationToken.None).AsTask();

        var refused = Assert.Throws<ScriptPoolFullException>(() => pool.RentAsync(CancellationToken.None));

        Assert.Contains("all 2 script engines are busy and 1 calls already wait", refused.Message, StringComparison.Ordinal);
        Assert.Equal(new PluginPoolStatus(0, 2, 2, 2, 1, 1, 1, 0), pool.Status);
        Assert.False(waiting.IsCompleted);

        pool.Return(first);
        Assert.Same(first, await waiting);
        pool.Return(second);
        pool.Return(first);
        Assert.Equal(new PluginPoolStatus(0, 2, 2, 0, 0, 1, 1, 0), pool.Status);
        Assert.Same(first, await pool.RentAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Unusable_DiscardedOnReturn_ItsPlaceGoesToTheWaitingCall()
    {
        using var pool = Pool(new ScriptPoolOptions(0, 1, 4));
        var broken = await pool.RentAsync(CancellationToken.None);
        var waiting = pool.RentAsync(CancellationToken.None).AsTask();

        ((TestEngine)broken.Engine).Usable = false;
        pool.Return(broken);
        var next = await waiting;

        Assert.NotSame(broken, next);
        Assert.True(((TestEngine)broken.Engine).Disposed);
        Assert.Equal(2, _made);
        Assert.Equal(new PluginPoolStatus(0, 1, 1, 1, 0, 4, 0, 1), pool.Status);
    }

    [Fact]
    public async Task WaitingCallCancelled_LeavesTheQueue()
    {
        using var pool = Pool(new ScriptPoolOptions(0, 1, 1));
        var busy = await pool.RentAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = pool.RentAsync(cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, pool.Status.Waiting);
        pool.Return(busy);
        Assert.Same(busy, await pool.RentAsync(CancellationToken.None));
    }

    [Fact]
    public async Task TopLevelFails_ThePlaceIsGivenBack()
    {
        var fail = true;
        using var pool = new EnginePool("p", "1.0.0", new ScriptPoolOptions(0, 1, 0), () => fail ? throw new ScriptException("top level failed") : new EngineWorker(new TestEngine()));

        await Assert.ThrowsAsync<ScriptException>(() => pool.RentAsync(CancellationToken.None).AsTask());
        fail = false;

        Assert.NotNull(await pool.RentAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Disposed_IdleEnginesClosed_EnginesInUseClosedWhenReturned()
    {
        var pool = Pool(new ScriptPoolOptions(2, 2, 0));
        pool.Fill();
        var busy = await pool.RentAsync(CancellationToken.None);

        pool.Dispose();
        pool.Return(busy);

        Assert.True(((TestEngine)busy.Engine).Disposed);
        Assert.Equal(0, pool.Status.Size);
        Assert.Throws<ObjectDisposedException>(() => pool.RentAsync(CancellationToken.None));
    }

    private EnginePool Pool(ScriptPoolOptions options) => new("p", "1.0.0", options, () =>
    {
        _made++;
        return new EngineWorker(new TestEngine());
    });

    private sealed class TestEngine : IScriptEngine
    {
        public bool Usable { get; set; } = true;

        public bool Disposed { get; private set; }

        public bool IsUsable => Usable;

        public long MemoryBytes => 0;

        public bool HasFunction(string name) => false;

        public ValueTask<object?> InvokeAsync(ScriptOperation operation, object?[] values, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<object?> InvokeStreamAsync(ScriptOperation operation, object?[] values, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<object?> CallFunctionAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public void Dispose() => Disposed = true;
    }
}
