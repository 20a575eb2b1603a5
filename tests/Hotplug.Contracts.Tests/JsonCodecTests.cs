using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Hotplug.Contracts.Json;

namespace Hotplug.Contracts.Tests;

public sealed class JsonCodecTests
{
    private static readonly ContractDescriptor Contract = ContractDescriptor.For<IShop>();

    private readonly JsonOperationCodec _codec = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() });

    private static OperationDescriptor Op(string method) => Contract.Operations.Single(o => o.Method.Name == method);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void ReadArguments_NamesInAnyCase_BecomeTheValuesInOrder()
    {
        var values = _codec.ReadArguments(Op(nameof(IShop.FindAsync)), Json("""{"LIMIT": 3, "id": "x"}"""));

        Assert.Equal(["x", 3], values);
    }

    [Fact]
    public void ReadArguments_Record_IsDeserializedWithTheCallersOptions()
    {
        var values = _codec.ReadArguments(Op(nameof(IShop.BuyAsync)), Json("""{"order": {"id": "a", "quantity": 2}}"""));

        Assert.Equal([new Order("a", 2)], values);
    }

    [Fact]
    public void ReadArguments_LeftOutWithDefault_TakesTheDefault()
    {
        Assert.Equal(["x", 10], _codec.ReadArguments(Op(nameof(IShop.FindAsync)), Json("""{"id": "x"}""")));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{}")]
    public void ReadArguments_NoneForAMethodWithout_IsFine(string json)
    {
        Assert.Empty(_codec.ReadArguments(Op(nameof(IShop.PingAsync)), Json(json)));
        Assert.Empty(_codec.ReadArguments(Op(nameof(IShop.PingAsync)), default));
    }

    [Fact]
    public void ReadArguments_Missing_NamesTheParameterAndListsThem()
    {
        var error = Assert.Throws<OperationArgumentException>(() => _codec.ReadArguments(Op(nameof(IShop.FindAsync)), Json("{}")));

        Assert.Equal("Argument 'id' of FindAsync is missing; its parameters are: id, limit.", error.Message);
    }

    [Fact]
    public void ReadArguments_Unknown_NamesItAndListsTheParameters()
    {
        var error = Assert.Throws<OperationArgumentException>(() => _codec.ReadArguments(Op(nameof(IShop.FindAsync)), Json("""{"id": "x", "size": 1, "color": 2}""")));

        Assert.Equal("FindAsync has no parameter 'size', 'color'; its parameters are: id, limit.", error.Message);
    }

    [Fact]
    public void ReadArguments_WrongType_NamesTheParameterAndItsType()
    {
        var error = Assert.Throws<OperationArgumentException>(() => _codec.ReadArguments(Op(nameof(IShop.FindAsync)), Json("""{"id": "x", "limit": "many"}""")));

        Assert.StartsWith("Argument 'limit' of FindAsync is not a valid Int32: ", error.Message, StringComparison.Ordinal);
        Assert.IsType<JsonException>(error.InnerException);
    }

    [Fact]
    public void ReadArguments_NotAnObject_SaysWhatItIs()
    {
        var error = Assert.Throws<OperationArgumentException>(() => _codec.ReadArguments(Op(nameof(IShop.FindAsync)), Json("[1]")));

        Assert.Equal("Arguments of FindAsync must be a JSON object of parameters by name, not Array.", error.Message);
    }

    [Fact]
    public void ReadArguments_SameNameTwice_IsRefused()
    {
        var error = Assert.Throws<OperationArgumentException>(() => _codec.ReadArguments(Op(nameof(IShop.FindAsync)), Json("""{"id": "x", "ID": "y"}""")));

        Assert.Contains("given twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteResult_Value_IsWrittenWithTheCallersOptions()
    {
        var json = _codec.WriteResult(Op(nameof(IShop.BuyAsync)), new Receipt("a", 2.5m));

        Assert.Equal("""{"id":"a","total":2.5}""", json.GetRawText());
    }

    [Fact]
    public void WriteResult_NoResult_IsNull()
    {
        Assert.Equal(JsonValueKind.Null, _codec.WriteResult(Op(nameof(IShop.PingAsync)), null).ValueKind);
        Assert.Equal(JsonValueKind.Null, _codec.WriteResult(Op(nameof(IShop.FindAsync)), null).ValueKind);
    }

    [Fact]
    public void WriteItem_And_ReadItem_RoundTrip()
    {
        var item = _codec.WriteItem(Op(nameof(IShop.ListAsync)), new Order("a", 1));

        Assert.Equal("""{"id":"a","quantity":1}""", item.GetRawText());
        Assert.Equal(new Order("a", 1), _codec.ReadItem(Op(nameof(IShop.UploadAsync)), item));
    }

    [Fact]
    public void ReadItem_WrongType_NamesTheStream()
    {
        var error = Assert.Throws<OperationArgumentException>(() => _codec.ReadItem(Op(nameof(IShop.UploadAsync)), Json("3")));

        Assert.StartsWith("An item of 'orders' of UploadAsync is not a valid Order: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("buyasync", "BuyAsync")]
    [InlineData("BUY", "BuyAsync")]
    [InlineData("name", "Name")]
    [InlineData("ping", "PingAsync")]
    public void Find_NameInAnyCaseWithOrWithoutAsync_FindsTheMethod(string name, string method)
    {
        Assert.Equal(method, OperationLookup.Find([Contract], name, "shop", "1.0.0").Method.Name);
    }

    [Fact]
    public void Find_WholeNameFirst_ThenWithoutAsync()
    {
        var other = ContractDescriptor.For<IOther>();

        Assert.Equal("Echo", OperationLookup.Find([other], "echo", "p", "1").Method.Name);
        Assert.Equal("EchoAsync", OperationLookup.Find([other], "echoasync", "p", "1").Method.Name);
    }

    [Fact]
    public void Find_Unknown_ListsTheMethods()
    {
        var error = Assert.Throws<OperationArgumentException>(() => OperationLookup.Find([ContractDescriptor.For<IOther>()], "nope", "calc", "1.2.0"));

        Assert.Equal("Plugin 'calc' 1.2.0 has no method 'nope'. Its contracts have: Echo, EchoAsync.", error.Message);
    }

    [Fact]
    public void Find_Overloaded_IsRefused()
    {
        var error = Assert.Throws<OperationArgumentException>(() => OperationLookup.Find([ContractDescriptor.For<IOverloaded>()], "run", "calc", "1.2.0"));

        Assert.StartsWith("Method 'run' of plugin 'calc' is overloaded (", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("); calls by name need a unique method name.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_SameMethodThroughTwoContracts_IsOneMethod()
    {
        var operation = OperationLookup.Find([Contract, ContractDescriptor.For<IPing>()], "ping", "shop", "1");

        Assert.Equal(typeof(IPing), operation.Method.DeclaringType);
    }

    [Fact]
    public async Task CallByName_ThroughTheDispatcher_AnswersInJson()
    {
        var shop = new Shop();
        var dispatcher = new OperationDispatcher(Contract, shop);
        var operation = OperationLookup.Find([Contract], "buy", "shop", "1");

        var result = await dispatcher.InvokeAsync(operation, _codec.ReadArguments(operation, Json("""{"order": {"id": "z", "quantity": 4}}""")), CancellationToken.None);

        Assert.Equal("""{"id":"z","total":10.0}""", _codec.WriteResult(operation, result).GetRawText());
    }
}
