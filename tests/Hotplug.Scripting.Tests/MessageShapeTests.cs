using Hotplug.Scripting;
using Hotplug.Scripting.Messages;

namespace Hotplug.Scripting.Tests;

public sealed class MessageShapeTests
{
    public enum Tier
    {
        Free,
        GoldMember,
    }

    [Fact]
    public void Record_FieldsInLowerCamelCaseInDeclarationOrder_WithNullability()
    {
        var shape = MessageShape.For(typeof(Request));

        Assert.Equal(MessageKind.Object, shape.Kind);
        Assert.Equal(["userId", "items", "tier", "note", "limit"], shape.Fields.Select(f => f.Name));
        Assert.False(shape.Field("userId")!.AllowsNull);
        Assert.True(shape.Field("note")!.AllowsNull);
        Assert.True(shape.Field("limit")!.AllowsNull);
        Assert.Equal("userId\0"u8.ToArray(), shape.Field("userId")!.Utf8Name.ToArray());
    }

    [Fact]
    public void Record_CreatedFromFieldValues_MissingValueTypesTakeTheirDefault()
    {
        var shape = MessageShape.For(typeof(Request));
        var items = MessageShape.For(typeof(IReadOnlyList<Item>)).CreateList([new Item("a", 0.5), new Item("b", 1)]);

        var request = (Request)shape.Create(["u1", items, Tier.GoldMember, null, null]);

        Assert.Equal("u1", request.UserId);
        Assert.Equal(["a", "b"], request.Items.Select(i => i.Id));
        Assert.Equal(Tier.GoldMember, request.Tier);
        Assert.Null(request.Note);
        Assert.Null(request.Limit);
        Assert.Equal("u1", shape.Field("userId")!.Get(request));
    }

    [Fact]
    public void ClassWithSetters_CreatedThroughItsParameterlessConstructor()
    {
        var shape = MessageShape.For(typeof(Settable));

        var value = (Settable)shape.Create([7, "x"]);

        Assert.Equal(7, value.Count);
        Assert.Equal("x", value.Name);
    }

    [Theory]
    [InlineData(typeof(int), 5L, 5)]
    [InlineData(typeof(int), 5.0, 5)]
    [InlineData(typeof(long), 9_000_000_000L, 9_000_000_000L)]
    [InlineData(typeof(double), 2L, 2.0)]
    [InlineData(typeof(string), "s", "s")]
    [InlineData(typeof(bool), true, true)]
    public void Scalar_FromScriptValue_Converts(Type type, object script, object expected)
    {
        var value = MessageShape.For(type).FromScript(script, out var error);

        Assert.Null(error);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData(typeof(int), 1.5, "expected a whole number, got the number 1.5")]
    [InlineData(typeof(int), 3_000_000_000L, "3000000000 is out of range: expected a whole number from -2147483648 to 2147483647")]
    [InlineData(typeof(double), "1", "expected a number, got text")]
    [InlineData(typeof(bool), 1L, "expected a boolean, got a whole number")]
    [InlineData(typeof(Guid), "nope", "expected a GUID, got text")]
    [InlineData(typeof(Tier), "platinum", "expected one of \"free\", \"goldMember\", got text")]
    public void Scalar_ThatDoesNotFit_SaysWhatWasExpectedAndWhatCame(Type type, object script, string expected)
    {
        var value = MessageShape.For(type).FromScript(script, out var error);

        Assert.Null(value);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Enum_ToScriptAsLowerCamelName_AndBackByNameOrNumber()
    {
        var shape = MessageShape.For(typeof(Tier));

        Assert.Equal("goldMember", shape.ToScript(Tier.GoldMember));
        Assert.Equal(Tier.GoldMember, shape.FromScript("goldMember", out _));
        Assert.Equal(Tier.GoldMember, shape.FromScript(1L, out _));
    }

    [Fact]
    public void NullableValue_SharesTheUnderlyingShape()
    {
        var shape = MessageShape.For(typeof(int?));

        Assert.True(shape.IsNullableValue);
        Assert.True(shape.AllowsNull);
        Assert.Equal(MessageKind.Integer, shape.Kind);
        Assert.Equal(ScalarType.Int32, shape.Scalar);
    }

    [Fact]
    public void ListsAndMaps_OfEveryCommonType_AreBuiltFromItems()
    {
        Assert.IsType<int[]>(MessageShape.For(typeof(int[])).CreateList([1, 2]));
        Assert.IsType<List<int>>(MessageShape.For(typeof(List<int>)).CreateList([1, 2]));
        Assert.Equal([1, 2], (IReadOnlyList<int>)MessageShape.For(typeof(IReadOnlyList<int>)).CreateList([1, 2]));
        Assert.IsType<HashSet<string>>(MessageShape.For(typeof(ISet<string>)).CreateList(["a"]));
        var map = (IReadOnlyDictionary<string, double>)MessageShape.For(typeof(IReadOnlyDictionary<string, double>)).CreateMap([new("a", 1.0)]);
        Assert.Equal(1.0, map["a"]);
        Assert.Equal([new KeyValuePair<string, object?>("a", 1.0)], MessageShape.Entries(map));
    }

    [Fact]
    public void RecursiveMessage_HasOneShapePerType()
    {
        var shape = MessageShape.For(typeof(Node));

        Assert.Same(shape, shape.Field("children")!.Shape.Item);
    }

    [Fact]
    public void Names_FollowTheRule()
    {
        Assert.Equal("counterService", ScriptNames.Service(typeof(ICounterService)));
        Assert.Equal("increment", ScriptNames.Method("IncrementAsync"));
        Assert.Equal("getUserScores", ScriptNames.Method("GetUserScores"));
        Assert.Equal("url", ScriptNames.LowerCamel("URL"));
    }

    public sealed record Item(string Id, double Score);

    public sealed record Request(string UserId, IReadOnlyList<Item> Items, Tier Tier, string? Note, int? Limit);

    public sealed record Node(string Name, IReadOnlyList<Node> Children);

    public sealed class Settable
    {
        public int Count { get; set; }

        public string Name { get; init; } = string.Empty;
    }

    public interface ICounterService
    {
        int Increment();
    }
}
