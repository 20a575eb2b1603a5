namespace Hotplug.Contracts.Tests;

public sealed class DispatcherTests
{
    private static readonly ContractDescriptor Contract = ContractDescriptor.For<IShop>();
    private readonly Shop _shop = new();
    private readonly OperationDispatcher _dispatcher;

    public DispatcherTests() => _dispatcher = new OperationDispatcher(Contract, _shop);

    private static OperationDescriptor Op(string method) => Contract.Operations.Single(o => o.Method.Name == method);

    [Fact]
    public async Task InvokeAsync_TaskOfT_CallsTheImplementationWithValuesAndToken()
    {
        using var cts = new CancellationTokenSource();

        var result = await _dispatcher.InvokeAsync(Op(nameof(IShop.BuyAsync)), [new Order("a", 2)], cts.Token);

        Assert.Equal(new Receipt("a", 5m), result);
        Assert.Equal(cts.Token, _shop.LastToken);
    }

    [Fact]
    public async Task InvokeAsync_CallStillInFlight_CompletesWhenTheImplementationDoes()
    {
        _shop.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var pending = _dispatcher.InvokeAsync(Op(nameof(IShop.PingAsync)), [], CancellationToken.None);
        Assert.False(pending.IsCompleted);
        _shop.Gate.SetResult();

        Assert.Null(await pending);
        Assert.Equal(1, _shop.Pings);
    }

    [Fact]
    public async Task InvokeAsync_EveryUnaryShape_ReturnsTheResultOrNull()
    {
        Assert.Null(await _dispatcher.InvokeAsync(Op(nameof(IShop.FindAsync)), ["none", 1], CancellationToken.None));
        Assert.Equal(new Receipt("x", 4), await _dispatcher.InvokeAsync(Op(nameof(IShop.FindAsync)), ["x", 4], CancellationToken.None));
        Assert.Null(await _dispatcher.InvokeAsync(Op(nameof(IShop.ClearAsync)), [], CancellationToken.None));
        Assert.Equal(1, await _dispatcher.InvokeAsync(Op(nameof(IShop.CountAsync)), ["p"], CancellationToken.None));
        Assert.Equal("my shop", await _dispatcher.InvokeAsync(Op(nameof(IShop.Name)), ["my "], CancellationToken.None));
        Assert.Null(await _dispatcher.InvokeAsync(Op(nameof(IShop.Reset)), [], CancellationToken.None));
        Assert.Equal(10, await _dispatcher.InvokeAsync(Op(nameof(IShop.Twice)), [5], CancellationToken.None));
        Assert.Equal(1, _shop.Resets);
    }

    [Fact]
    public async Task InvokeAsync_ImplementationThrows_TheExceptionIsNotWrapped()
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await _dispatcher.InvokeAsync(Op(nameof(IShop.BuyAsync)), [new Order("a", -1)], CancellationToken.None));

        Assert.Contains("negative quantity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Call_ImplementationThrowsSynchronously_TheExceptionIsNotWrapped()
    {
        var implementation = new ThrowingPing();
        var dispatcher = new OperationDispatcher(ContractDescriptor.For<IPing>(), implementation);

        Assert.Throws<InvalidOperationException>(() => dispatcher.Call(ContractDescriptor.For<IPing>().Operations[0], [], CancellationToken.None));
    }

    [Fact]
    public async Task Call_ThenAwaitResult_GivesTheHostTheTaskAndThenTheResult()
    {
        _shop.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var operation = Op(nameof(IShop.BuyAsync));

        var returned = _dispatcher.Call(operation, [new Order("a", 1)], CancellationToken.None);
        var task = Assert.IsType<Task<Receipt>>(returned, exactMatch: false);
        Assert.False(task.IsCompleted);
        _shop.Gate.SetResult();

        Assert.Equal(new Receipt("a", 2.5m), await OperationDispatcher.AwaitResultAsync(operation, returned));
    }

    [Fact]
    public async Task InvokeStreamAsync_ServerStream_ReadsTheItemsWithTheEnumeratorsToken()
    {
        var items = await _dispatcher.InvokeStreamAsync(Op(nameof(IShop.ListAsync)), [3], CancellationToken.None).ToListAsync();
        using var cts = new CancellationTokenSource();
        await using var enumerator = _dispatcher.InvokeStreamAsync(Op(nameof(IShop.ListAsync)), [3], CancellationToken.None).GetAsyncEnumerator(cts.Token);
        Assert.True(await enumerator.MoveNextAsync());
        await cts.CancelAsync();

        Assert.Equal([new Order("o0", 0), new Order("o1", 1), new Order("o2", 2)], items);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await enumerator.MoveNextAsync());
    }

    [Fact]
    public async Task InvokeAsync_ClientStreamOfObjects_ReachesTheImplementationTyped()
    {
        var result = await _dispatcher.InvokeAsync(Op(nameof(IShop.UploadAsync)), [FakeInvoker.Items([new Order("a", 1), new Order("b", 2)])], CancellationToken.None);

        Assert.Equal(new Receipt("a+b", 3), result);
    }

    [Fact]
    public async Task InvokeStreamAsync_Duplex_ItemsGoBothWays()
    {
        var back = await _dispatcher.InvokeStreamAsync(Op(nameof(IShop.ExchangeAsync)), [FakeInvoker.Items([new Order("a", 1), null])], CancellationToken.None).ToListAsync();

        Assert.Equal([new Receipt("a", 1), null], back);
    }

    [Fact]
    public void ReadItems_MethodReturnedNull_SaysSo()
    {
        var error = Assert.Throws<InvalidOperationException>(() => OperationDispatcher.ReadItems(Op(nameof(IShop.ListAsync)), null));

        Assert.Equal("ListAsync returned null instead of a stream.", error.Message);
    }

    [Fact]
    public async Task AwaitResult_MethodReturnedNullTask_SaysSo()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await OperationDispatcher.AwaitResultAsync(Op(nameof(IShop.BuyAsync)), null));

        Assert.Equal("BuyAsync returned null instead of a task.", error.Message);
    }

    [Fact]
    public void Call_WrongNumberOfValues_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => _dispatcher.Call(Op(nameof(IShop.FindAsync)), ["x"], CancellationToken.None));

        Assert.Contains("takes 2 values, not 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ObjectThatIsNotAnImplementation_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new OperationDispatcher(Contract, new object()));
    }

    [Fact]
    public async Task ProxyOverDispatcher_BehavesAsTheImplementation()
    {
        var proxy = ContractProxy.Create<IShop>(_dispatcher);

        Assert.Equal(new Receipt("a", 5m), await proxy.BuyAsync(new Order("a", 2)));
        Assert.Equal(new Receipt("b", 7), await proxy.FindAsync("b", 7));
        Assert.Equal("xshop", proxy.Name("x"));
        proxy.Reset();
        Assert.Equal(6, proxy.Twice(3));
        Assert.Equal(["o0", "o1"], (await proxy.ListAsync(2).ToListAsync()).Select(o => o.Id));
        Assert.Equal(new Receipt("a+b", 3), await proxy.UploadAsync(ProxyTests.Orders(new Order("a", 1), new Order("b", 2))));
        Assert.Equal([new Receipt("c", 3)], await proxy.ExchangeAsync(ProxyTests.Orders(new Order("c", 3))).ToListAsync());
        Assert.Equal(1, _shop.Resets);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => proxy.BuyAsync(new Order("a", -1)));
    }

    [Fact]
    public async Task ProxyOverDispatcher_CancelledByTheCaller_CancelsTheImplementation()
    {
        _shop.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proxy = ContractProxy.Create<IShop>(_dispatcher);
        using var cts = new CancellationTokenSource();

        var call = proxy.PingAsync(cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, _shop.Pings);
    }

    private sealed class ThrowingPing : IPing
    {
        public Task PingAsync(CancellationToken cancellationToken = default) => throw new InvalidOperationException("at once");
    }
}
