using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Hotplug.Contracts.Json;

namespace Hotplug.Contracts.Tests;

/// <summary>Call by name in JSON over a version's contracts: an object through the dispatcher, and an invoker with no object behind it.</summary>
public sealed class JsonCallByNameTests
{
    private static readonly ContractDescriptor ShopContract = ContractDescriptor.For<IShop>();
    private static readonly ContractDescriptor OtherContract = ContractDescriptor.For<IOther>();
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    private readonly Shop _shop = new();
    private readonly FakeInvoker _other = new();
    private readonly JsonCallByName _calls;

    public JsonCallByNameTests() =>
        _calls = new JsonCallByName("shop", "1.2.0", new Dictionary<ContractDescriptor, IOperationInvoker>
        {
            [ShopContract] = new OperationDispatcher(ShopContract, _shop),
            [OtherContract] = _other,
        }, Options);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static async Task<List<string>> ReadAllAsync(IAsyncEnumerable<JsonElement> items, CancellationToken cancellationToken = default)
    {
        var read = new List<string>();
        await foreach (var item in items.WithCancellation(cancellationToken))
        {
            read.Add(item.GetRawText());
        }

        return read;
    }

    [Fact]
    public async Task InvokeAsync_ByNameWithArguments_CallsTheImplementationAndAnswersInJson()
    {
        using var cts = new CancellationTokenSource();

        var result = await _calls.InvokeAsync("buy", Json("""{"order": {"id": "z", "quantity": 4}}"""), cts.Token);

        Assert.Equal("""{"id":"z","total":10.0}""", result.GetRawText());
        Assert.Equal(cts.Token, _shop.LastToken);
    }

    [Fact]
    public async Task InvokeAsync_NoResult_IsNullAndTheCallIsMade()
    {
        var result = await _calls.InvokeAsync("RESET", default);

        Assert.Equal(JsonValueKind.Null, result.ValueKind);
        Assert.Equal(1, _shop.Resets);
    }

    [Fact]
    public async Task InvokeAsync_InheritedOperation_IsReached()
    {
        await _calls.InvokeAsync("ping", Json("{}"));

        Assert.Equal(1, _shop.Pings);
    }

    [Fact]
    public async Task InvokeAsync_OperationOfAnotherContract_GoesToItsInvokerWithTheValuesRead()
    {
        _other.Answer = (_, values) => new ValueTask<object?>("echo:" + values[0]);

        var result = await _calls.InvokeAsync("echoasync", Json("""{"text": "hi"}"""));

        Assert.Equal("\"echo:hi\"", result.GetRawText());
        var call = Assert.Single(_other.Calls);
        Assert.Equal(nameof(IOther.EchoAsync), call.Operation.Method.Name);
        Assert.Equal(["hi"], call.Values);
    }

    [Fact]
    public async Task InvokeAsync_WhatTheImplementationThrows_ReachesTheCallerAsThrown()
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _calls.InvokeAsync("buy", Json("""{"order": {"id": "z", "quantity": -1}}""")));

        Assert.Equal("order", error.ParamName);
    }

    [Fact]
    public async Task InvokeAsync_UnknownName_ListsTheMethodsAndCallsNothing()
    {
        var error = await Assert.ThrowsAsync<OperationArgumentException>(() => _calls.InvokeAsync("nope", default));

        Assert.StartsWith("Plugin 'shop' 1.2.0 has no method 'nope'. Its contracts have: BuyAsync, ClearAsync, CountAsync, Echo, EchoAsync, ExchangeAsync,", error.Message, StringComparison.Ordinal);
        Assert.Empty(_other.Calls);
    }

    [Fact]
    public async Task InvokeAsync_ArgumentsThatDoNotFit_NameTheParameterAndCallNothing()
    {
        var wrong = await Assert.ThrowsAsync<OperationArgumentException>(() => _calls.InvokeAsync("echo", Json("""{"text": 3}""")));
        var missing = await Assert.ThrowsAsync<OperationArgumentException>(() => _calls.InvokeAsync("echo", Json("{}")));

        Assert.StartsWith("Argument 'text' of Echo is not a valid String: ", wrong.Message, StringComparison.Ordinal);
        Assert.Equal("Argument 'text' of Echo is missing; its parameters are: text.", missing.Message);
        Assert.Empty(_other.Calls);
    }

    [Fact]
    public async Task InvokeAsync_StreamMethod_IsRefusedAndNotCalled()
    {
        var remote = new FakeInvoker();
        var calls = new JsonCallByName("shop", "1.2.0", new Dictionary<ContractDescriptor, IOperationInvoker> { [ShopContract] = remote }, Options);

        var error = await Assert.ThrowsAsync<OperationArgumentException>(() => calls.InvokeAsync("list", Json("""{"take": 2}""")));

        Assert.Equal(
            "ListAsync of plugin 'shop' 1.2.0 is a stream method: call it with InvokeStreamAsync, which hands over each item as the plugin produces it.",
            error.Message);
        Assert.Empty(remote.Calls);
    }

    [Fact]
    public async Task InvokeStreamAsync_StreamMethod_HandsOverEachItemInJson()
    {
        var items = await ReadAllAsync(_calls.InvokeStreamAsync("list", Json("""{"take": 3}""")));

        Assert.Equal(["""{"id":"o0","quantity":0}""", """{"id":"o1","quantity":1}""", """{"id":"o2","quantity":2}"""], items);
    }

    [Fact]
    public async Task InvokeStreamAsync_OneResultMethod_GivesItAsTheOnlyItem()
    {
        var items = await ReadAllAsync(_calls.InvokeStreamAsync("name", Json("""{"prefix": "my"}""")));

        Assert.Equal(["\"myshop\""], items);
    }

    [Fact]
    public async Task InvokeStreamAsync_CancelledBetweenItems_CancelsTheImplementationsStream()
    {
        using var cts = new CancellationTokenSource();
        var read = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in _calls.InvokeStreamAsync("list", Json("""{"take": 100}""")).WithCancellation(cts.Token))
            {
                if (++read == 2)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(2, read);
    }

    [Fact]
    public async Task InvokeStreamAsync_BadCall_FailsWhenReadNotWhenAsked()
    {
        var items = _calls.InvokeStreamAsync("nope", default);

        var error = await Assert.ThrowsAsync<OperationArgumentException>(() => ReadAllAsync(items));

        Assert.StartsWith("Plugin 'shop' 1.2.0 has no method 'nope'.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeStreamAsync_InvokerWithNoObjectBehindIt_ItemsAreWrittenInJson()
    {
        var list = ContractDescriptor.For<IShop>().Operations.Single(o => o.Method.Name == nameof(IShop.ListAsync));
        var invoker = new FakeInvoker { Stream = (_, values) => FakeInvoker.Items([new Order("r", (int)values[0]!), null]) };
        var calls = new JsonCallByName("remote", "2.0.0", new Dictionary<ContractDescriptor, IOperationInvoker> { [list.Contract] = invoker }, Options);

        var items = await ReadAllAsync(calls.InvokeStreamAsync("ListAsync", Json("""{"take": 7}""")));

        Assert.Equal(["""{"id":"r","quantity":7}""", "null"], items);
        Assert.Same(list, Assert.Single(invoker.Calls).Operation);
    }

    [Fact]
    public void Prepare_FindsAndReadsWithoutCalling()
    {
        var call = _calls.Prepare("find", Json("""{"id": "a"}"""));

        Assert.Equal(nameof(IShop.FindAsync), call.Operation.Method.Name);
        Assert.Same(ShopContract, call.Operation.Contract);
        Assert.IsType<OperationDispatcher>(call.Invoker);
        Assert.Equal(["a", 10], call.Values);
        Assert.Equal(0, _shop.Pings + _shop.Resets);
    }

    [Fact]
    public async Task Prepare_ThenTheHostsOwnCall_UsesTheDispatcherAndCodecPieces()
    {
        // What a host that accounts for each call itself does: it calls, then awaits and writes the result its own way.
        var call = _calls.Prepare("buy", Json("""{"order": {"id": "h", "quantity": 2}}"""));
        var dispatcher = (OperationDispatcher)call.Invoker;

        var returned = dispatcher.Call(call.Operation, [.. call.Values], CancellationToken.None);
        var result = await OperationDispatcher.AwaitResultAsync(call.Operation, returned);

        Assert.True(returned is Task<Receipt>);
        Assert.Equal("""{"id":"h","total":5.0}""", _calls.Codec.WriteResult(call.Operation, result).GetRawText());
    }
}
