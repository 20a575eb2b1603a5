namespace Hotplug.Contracts.Tests;

public sealed class ProxyTests
{
    private readonly FakeInvoker _invoker = new();
    private readonly IShop _shop;

    public ProxyTests() => _shop = ContractProxy.Create<IShop>(_invoker);

    [Fact]
    public async Task TaskOfT_CompletedAnswer_ReturnsTheResultAndPassesValuesAndToken()
    {
        using var cts = new CancellationTokenSource();
        _invoker.Answer = (_, values) => new ValueTask<object?>(new Receipt(((Order)values[0]!).Id, 1));

        var receipt = await _shop.BuyAsync(new Order("a", 1), cts.Token);

        Assert.Equal(new Receipt("a", 1), receipt);
        var (operation, values, token) = Assert.Single(_invoker.Calls);
        Assert.Equal("Buy", operation.Name);
        Assert.Equal([new Order("a", 1)], values);
        Assert.Equal(cts.Token, token);
    }

    [Fact]
    public async Task ValueTaskOfT_AnswerStillPending_CompletesWhenTheInvokerDoes()
    {
        var answer = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _invoker.Answer = (_, _) => new ValueTask<object?>(answer.Task);

        var pending = _shop.FindAsync("x", 3);
        Assert.False(pending.IsCompleted);
        answer.SetResult(null);

        Assert.Null(await pending);
        Assert.Equal(["x", 3], _invoker.Calls.Single().Values);
    }

    [Fact]
    public async Task Task_And_ValueTask_FaultedAnswer_ThrowTheInvokersException()
    {
        _invoker.Answer = (_, _) => ValueTask.FromException<object?>(new TimeoutException("late"));

        var first = await Assert.ThrowsAsync<TimeoutException>(() => _shop.PingAsync());
        var second = await Assert.ThrowsAsync<TimeoutException>(() => _shop.ClearAsync(CancellationToken.None).AsTask());

        Assert.Equal("late", first.Message);
        Assert.Equal("late", second.Message);
    }

    [Fact]
    public async Task TaskOfInt_TokenFirst_IsFoundAtItsPosition()
    {
        using var cts = new CancellationTokenSource();
        _invoker.Answer = (_, _) => new ValueTask<object?>(42);

        Assert.Equal(42, await _shop.CountAsync(cts.Token, "p"));
        Assert.Equal(["p"], _invoker.Calls.Single().Values);
        Assert.Equal(cts.Token, _invoker.Calls.Single().Token);
    }

    [Fact]
    public async Task Sync_And_Void_WaitForTheInvoker()
    {
        var answer = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _invoker.Answer = (operation, _) => operation.Name == "Name" ? new ValueTask<object?>("shop") : new ValueTask<object?>(answer.Task);

        Assert.Equal("shop", _shop.Name(null));
        var reset = Task.Run(_shop.Reset);
        Assert.False(reset.IsCompleted);
        answer.SetResult(null);
        await reset;

        Assert.Equal([null], _invoker.Calls[0].Values);
        Assert.Empty(_invoker.Calls[1].Values);
    }

    [Fact]
    public void InParameter_PassesItsValue()
    {
        _invoker.Answer = (_, values) => new ValueTask<object?>((int)values[0]! * 2);

        Assert.Equal(14, _shop.Twice(7));
    }

    [Fact]
    public async Task ServerStream_ItemsOfTheInvoker_AreTyped()
    {
        _invoker.Stream = (_, _) => FakeInvoker.Items([new Order("a", 1), new Order("b", 2)]);

        var items = await _shop.ListAsync(2).ToListAsync();

        Assert.Equal([new Order("a", 1), new Order("b", 2)], items);
        Assert.Equal([2], _invoker.Calls.Single().Values);
    }

    [Fact]
    public async Task ServerStream_EnumeratorToken_ReachesTheInvokersItems()
    {
        using var cts = new CancellationTokenSource();
        _invoker.Stream = (_, _) => FakeInvoker.Items([new Order("a", 1), new Order("b", 2)]);

        await using var enumerator = _shop.ListAsync(2).GetAsyncEnumerator(cts.Token);
        Assert.True(await enumerator.MoveNextAsync());
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await enumerator.MoveNextAsync());
    }

    [Fact]
    public async Task ClientStream_TypedArgument_ReachesTheInvokerAsItems()
    {
        var sent = new List<object?>();
        _invoker.Answer = async (_, values) =>
        {
            await foreach (var item in (IAsyncEnumerable<object?>)values[0]!)
            {
                sent.Add(item);
            }

            return new Receipt("all", sent.Count);
        };

        var receipt = await _shop.UploadAsync(Orders(new Order("a", 1), new Order("b", 2)));

        Assert.Equal(new Receipt("all", 2), receipt);
        Assert.Equal([new Order("a", 1), new Order("b", 2)], sent);
    }

    [Fact]
    public async Task ClientStream_NullArgument_IsRefusedNamingTheParameter()
    {
        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => _shop.UploadAsync(null!));

        Assert.Equal("orders", error.ParamName);
    }

    [Fact]
    public async Task Duplex_ItemsGoBothWays()
    {
        _invoker.Stream = (_, values) => Echo((IAsyncEnumerable<object?>)values[0]!);

        var back = await _shop.ExchangeAsync(MaybeOrders(new Order("a", 1), null)).ToListAsync();

        Assert.Equal([new Receipt("a", 1), null], back);

        static async IAsyncEnumerable<object?> Echo(IAsyncEnumerable<object?> input)
        {
            await foreach (var item in input)
            {
                yield return item is Order order ? new Receipt(order.Id, order.Quantity) : null;
            }
        }
    }

    [Fact]
    public void Proxy_OfAContractThatBreaksARule_IsRefused()
    {
        Assert.Throws<InvalidContractException>(() => ContractProxy.Create<IWithTwoTokens>(_invoker));
    }

    internal static async IAsyncEnumerable<Order> Orders(params Order[] orders)
    {
        foreach (var order in orders)
        {
            await Task.Yield();
            yield return order;
        }
    }

    internal static async IAsyncEnumerable<Order?> MaybeOrders(params Order?[] orders)
    {
        foreach (var order in orders)
        {
            await Task.Yield();
            yield return order;
        }
    }
}
