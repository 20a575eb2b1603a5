using Google.Protobuf;
using Hotplug.Wire;
using Ranking.Contracts;

namespace Hotplug.Process.Tests;

/// <summary>The wire format of contracts served without .proto files, checked against protoc's own code.</summary>
public sealed class WireTests
{
    private static readonly ContractSchema Ranker = ContractSchema.For(typeof(IRanker));

    [Fact]
    public void Encode_RankRequest_ProtocGeneratedParserReadsTheSameValues()
    {
        var request = new RankRequest("user-7", [new RankItem("a", 0.25), new RankItem("b", -3), new RankItem("ü", 0)]);

        var bytes = Ranker.Operations[0].Request.Encode([request]);
        var parsed = Ranking.V1.RankRequest.Parser.ParseFrom(bytes);

        Assert.Equal("user-7", parsed.UserId);
        Assert.Equal(["a", "b", "ü"], parsed.Items.Select(i => i.Id));
        Assert.Equal([0.25, -3, 0], parsed.Items.Select(i => i.Score));
    }

    [Fact]
    public void Decode_ProtocGeneratedResponse_BecomesTheRecord()
    {
        var message = new Ranking.V1.RankResponse { Strategy = "go@1.0.0" };
        message.Ids.Add(["x", "y"]);

        var decoded = (RankResponse)Ranker.Operations[0].Response.Decode(message.ToByteArray())[0]!;

        Assert.Equal(["x", "y"], decoded.Ids);
        Assert.Equal("go@1.0.0", decoded.Strategy);
    }

    [Fact]
    public void RoundTrip_EveryCarriedType_ComesBackEqual()
    {
        var schema = ContractSchema.For(typeof(IKitchenSink));
        var value = new Sink(
            true, -5, long.MinValue, uint.MaxValue, ulong.MaxValue, 1.5f, -2.25, "text", [1, 2, 255], Color.Blue, 12.345m,
            Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"), new DateTimeOffset(2026, 11, 25, 1, 2, 3, 456, TimeSpan.Zero), TimeSpan.FromMilliseconds(-1500),
            null, 0, null, string.Empty, [-1, 0, 1], ["a", string.Empty], [new Child("c1"), new Child("c2")],
            new Dictionary<string, int> { ["one"] = 1, ["zero"] = 0 }, new Dictionary<int, Child> { [3] = new Child("three") }, new Child("single"), null)
        {
            Extra = "set after construction",
        };

        var operation = schema.Operations.Single(o => o.Name == "Put");
        var back = (Sink)operation.Request.Decode(operation.Request.Encode([value]))[0]!;

        Assert.Equal(value with { Ints = back.Ints, Strings = back.Strings, Children = back.Children, Map = back.Map, ChildMap = back.ChildMap, Bytes = back.Bytes }, back);
        Assert.Equal(value.Ints, back.Ints);
        Assert.Equal(value.Strings, back.Strings);
        Assert.Equal(value.Children, back.Children);
        Assert.Equal(value.Map, back.Map);
        Assert.Equal(value.ChildMap[3], back.ChildMap[3]);
        Assert.Equal(value.Bytes, back.Bytes);
        Assert.Null(back.MaybeInt);
        Assert.Equal(0, back.ZeroInt);
        Assert.Null(back.MaybeText);
        Assert.Equal(string.Empty, back.EmptyText);
    }

    [Fact]
    public void Wrapper_SeveralParametersAndNullableResult_TravelAsMadeUpMessages()
    {
        var schema = ContractSchema.For(typeof(IKitchenSink));
        var find = schema.Operations.Single(o => o.Name == "Find");

        var request = find.Request.Decode(find.Request.Encode(["key", 7]));
        var none = find.Response.Decode(find.Response.Encode([null]));
        var some = find.Response.Decode(find.Response.Encode([new Child("found")]));

        Assert.Equal(["key", 7], request);
        Assert.Equal("FindRequest", find.RequestMessage);
        Assert.Null(none[0]);
        Assert.Equal(new Child("found"), some[0]);
    }

    [Fact]
    public void Decode_FieldsFromANewerPeer_AreSkipped()
    {
        var message = new Ranking.V1.RankResponse { Strategy = "s" };
        var bytes = message.ToByteArray().Concat(new byte[] { (9 << 3) | 2, 3, 1, 2, 3, (10 << 3) | 0, 42 }).ToArray();

        var decoded = (RankResponse)Ranker.Operations[0].Response.Decode(bytes)[0]!;

        Assert.Equal("s", decoded.Strategy);
        Assert.Empty(decoded.Ids);
    }

    [Fact]
    public void Decode_Truncated_FailsWithAClearError()
    {
        var bytes = Ranker.Operations[0].Request.Encode([new RankRequest("user", [new RankItem("a", 1)])]);

        var error = Assert.Throws<InvalidDataException>(() => Ranker.Operations[0].Request.Decode(bytes[..^3]));

        Assert.Contains("past the end", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_UnsupportedMember_NamesItAndWhy()
    {
        var error = Assert.Throws<ContractSchemaException>(() => ContractSchema.For(typeof(IUnsupported)));

        Assert.Contains("IUnsupported.SendAsync parameter 'payload'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_Overloads_AreRefusedWithTheirNames()
    {
        var error = Assert.Throws<ContractSchemaException>(() => ContractSchema.For(typeof(IOverloaded)));

        Assert.Contains("overloads", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Proto_NamesServiceFromTheContractNameAndFieldsInSnakeCase()
    {
        var proto = Ranker.ToProto();

        Assert.Equal("ranking.v1.Ranker", Ranker.FullServiceName);
        Assert.Equal("/ranking.v1.Ranker/Rank", Ranker.Operations[0].FullName);
        Assert.Contains("rpc Rank(RankRequest) returns (RankResponse);", proto, StringComparison.Ordinal);
        Assert.Contains("string user_id = 1;", proto, StringComparison.Ordinal);
        Assert.Contains("repeated RankItem items = 2;", proto, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_OfAContractTheGeneratorSaw_IsItsProxyOverTheSameSchema()
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress("http://localhost:1");

        var client = ContractClient.Create<IRanker>(channel.CreateCallInvoker());

        Assert.True(Ranker.Descriptor.IsGenerated);
        Assert.Equal("Hotplug.Generated.Ranking_Contracts_IRanker_Contract+Proxy", client.GetType().FullName);
    }

    [Fact]
    public void Client_OfAContractTheGeneratorDidNotSee_IsMadeAtRunTime()
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress("http://localhost:1");

        var client = ContractClient.Create<IKitchenSink>(channel.CreateCallInvoker());

        Assert.False(ContractSchema.For(typeof(IKitchenSink)).Descriptor.IsGenerated);
        Assert.IsAssignableFrom<System.Reflection.DispatchProxy>(client);
    }

    public enum Color
    {
        Red = 1,
        Blue = 2,
    }

    public sealed record Child(string Name);

    public sealed record Sink(
        bool Flag, int Int, long Long, uint UInt, ulong ULong, float Float, double Double, string Text, byte[] Bytes, Color Color, decimal Money,
        Guid Id, DateTimeOffset When, TimeSpan Span, int? MaybeInt, int? ZeroInt, string? MaybeText, string? EmptyText, int[] Ints,
        IReadOnlyList<string> Strings, List<Child> Children, Dictionary<string, int> Map, IReadOnlyDictionary<int, Child> ChildMap, Child One, Child? None)
    {
        public string? Extra { get; init; }
    }

    public interface IKitchenSink
    {
        Task PutAsync(Sink sink, CancellationToken cancellationToken = default);

        ValueTask<Child?> FindAsync(string key, int limit, CancellationToken cancellationToken = default);
    }

    public interface IUnsupported
    {
        Task SendAsync(object payload);
    }

    public interface IOverloaded
    {
        Task RunAsync(string name);

        Task RunAsync(int number);
    }
}
