using System.Reflection;

namespace Hotplug.Contracts.Tests;

public sealed class DescriptorTests
{
    private static readonly ContractDescriptor Shop = ContractDescriptor.For<IShop>();

    private static OperationDescriptor Op(string method) => Shop.Operations.Single(o => o.Method.Name == method);

    [Fact]
    public void For_Contract_NamesItFromItsAttributeAndIncludesInheritedMethods()
    {
        Assert.Equal(typeof(IShop), Shop.ContractType);
        Assert.Equal("shop/v1", Shop.ContractName);
        Assert.Equal("shop/v1", Shop.Name);
        Assert.Equal(11, Shop.Operations.Count);
        Assert.Contains(Shop.Operations, o => o.Method.DeclaringType == typeof(IPing));
        Assert.Equal(Enumerable.Range(0, 11), Shop.Operations.Select(o => o.Index));
        Assert.All(Shop.Operations, o => Assert.Same(Shop, o.Contract));
    }

    [Fact]
    public void For_InterfaceWithoutAttribute_IsNamedByItsFullName()
    {
        var descriptor = ContractDescriptor.For<IPing>();

        Assert.Null(descriptor.ContractName);
        Assert.Equal(typeof(IPing).FullName, descriptor.Name);
    }

    [Fact]
    public void For_SameInterfaceTwice_IsMadeOnce()
    {
        Assert.Same(ContractDescriptor.For(typeof(IShop)), ContractDescriptor.For<IShop>());
    }

    [Theory]
    [InlineData(nameof(IShop.PingAsync), "Ping", OperationKind.Unary, ResultShape.Task, null)]
    [InlineData(nameof(IShop.BuyAsync), "Buy", OperationKind.Unary, ResultShape.TaskOfT, typeof(Receipt))]
    [InlineData(nameof(IShop.FindAsync), "Find", OperationKind.Unary, ResultShape.ValueTaskOfT, typeof(Receipt))]
    [InlineData(nameof(IShop.ClearAsync), "Clear", OperationKind.Unary, ResultShape.ValueTask, null)]
    [InlineData(nameof(IShop.Name), "Name", OperationKind.Unary, ResultShape.Sync, typeof(string))]
    [InlineData(nameof(IShop.Reset), "Reset", OperationKind.Unary, ResultShape.Void, null)]
    [InlineData(nameof(IShop.ListAsync), "List", OperationKind.ServerStream, ResultShape.AsyncEnumerable, typeof(Order))]
    [InlineData(nameof(IShop.UploadAsync), "Upload", OperationKind.ClientStream, ResultShape.TaskOfT, typeof(Receipt))]
    [InlineData(nameof(IShop.ExchangeAsync), "Exchange", OperationKind.DuplexStream, ResultShape.AsyncEnumerable, typeof(Receipt))]
    public void For_EveryShape_IsDescribed(string method, string name, OperationKind kind, ResultShape shape, Type? result)
    {
        var operation = Op(method);

        Assert.Equal(name, operation.Name);
        Assert.Equal(kind, operation.Kind);
        Assert.Equal(shape, operation.ResultShape);
        Assert.Equal(result, operation.ResultType);
    }

    [Fact]
    public void For_Parameters_LeaveTheTokenOutAndKeepTheirPositions()
    {
        var find = Op(nameof(IShop.FindAsync));
        var count = Op(nameof(IShop.CountAsync));
        var reset = Op(nameof(IShop.Reset));

        Assert.Equal(["id", "limit"], find.Parameters.Select(p => p.Name));
        Assert.Equal([typeof(string), typeof(int)], find.Parameters.Select(p => p.Type));
        Assert.Equal(2, find.TokenIndex);
        Assert.Equal(3, find.ArgumentCount);
        Assert.True(find.Parameters[1].HasDefaultValue);
        Assert.Equal(10, find.Parameters[1].DefaultValue);
        Assert.Equal(0, count.TokenIndex);
        Assert.Equal(1, count.Parameters.Single().Position);
        Assert.Equal(0, count.Parameters.Single().Index);
        Assert.Equal(-1, reset.TokenIndex);
        Assert.Empty(reset.Parameters);
    }

    [Fact]
    public void For_InParameter_IsAValueOfTheReferencedType()
    {
        var twice = Op(nameof(IShop.Twice));

        Assert.Equal(typeof(int), twice.Parameters.Single().Type);
        Assert.Equal(NullabilityState.NotNull, twice.Parameters.Single().Nullability);
    }

    [Fact]
    public void For_StreamParameter_HasItsItemTypeAndNullability()
    {
        var upload = Op(nameof(IShop.UploadAsync));
        var exchange = Op(nameof(IShop.ExchangeAsync));

        Assert.True(upload.StreamsInput);
        Assert.False(upload.StreamsOutput);
        Assert.True(upload.Parameters[0].IsStream);
        Assert.Equal(typeof(IAsyncEnumerable<Order>), upload.Parameters[0].Type);
        Assert.Equal(typeof(Order), upload.Parameters[0].ItemType);
        Assert.Equal(NullabilityState.NotNull, upload.Parameters[0].ItemNullability);
        Assert.Equal(NullabilityState.Nullable, exchange.Parameters[0].ItemNullability);
        Assert.True(exchange.StreamsInput && exchange.StreamsOutput);
    }

    [Fact]
    public void For_Nullability_IsReadFromTheAnnotations()
    {
        Assert.Equal(NullabilityState.NotNull, Op(nameof(IShop.BuyAsync)).ResultNullability);
        Assert.Equal(NullabilityState.Nullable, Op(nameof(IShop.FindAsync)).ResultNullability);
        Assert.Equal(NullabilityState.NotNull, Op(nameof(IShop.FindAsync)).Parameters[0].Nullability);
        Assert.Equal(NullabilityState.Nullable, Op(nameof(IShop.Name)).Parameters[0].Nullability);
        Assert.Equal(NullabilityState.NotNull, Op(nameof(IShop.Name)).ResultNullability);
        Assert.Equal(NullabilityState.NotNull, Op(nameof(IShop.ListAsync)).ResultNullability);
        Assert.Equal(NullabilityState.Nullable, Op(nameof(IShop.ExchangeAsync)).ResultNullability);
        Assert.Equal(NullabilityState.Unknown, Op(nameof(IShop.Reset)).ResultNullability);
    }

    [Fact]
    public void Find_ByMethod_ReturnsItsOperationAndNullForOthers()
    {
        var method = typeof(IPing).GetMethod(nameof(IPing.PingAsync))!;

        Assert.Equal("Ping", Shop.Find(method)!.Name);
        Assert.Null(Shop.Find(typeof(object).GetMethod(nameof(ToString))!));
    }

    [Fact]
    public void For_StaticMembersWithBodies_AreLeftOutAndDefaultMethodsKept()
    {
        var descriptor = ContractDescriptor.For<IWithStatics>();

        Assert.Equal(["Run", "Default"], descriptor.Operations.Select(o => o.Name));
    }

    [Fact]
    public void For_Overloads_AreDescribedEach()
    {
        var descriptor = ContractDescriptor.For<IOverloaded>();

        Assert.Equal(["Run", "Run"], descriptor.Operations.Select(o => o.Name));
    }

    [Theory]
    [InlineData(typeof(IWithProperty), "Count", "'Count' of contract 'Hotplug.Contracts.Tests.IWithProperty' is not a method")]
    [InlineData(typeof(IWithEvent), "Changed", "'Changed' of contract 'Hotplug.Contracts.Tests.IWithEvent' is not a method")]
    [InlineData(typeof(IWithStaticAbstract), "Create", "'Create' of contract 'Hotplug.Contracts.Tests.IWithStaticAbstract' is not a method")]
    [InlineData(typeof(IWithStaticAbstractProperty), "Limit", "'Limit' of contract 'Hotplug.Contracts.Tests.IWithStaticAbstractProperty' is not a method")]
    [InlineData(typeof(IWithGenericMethod), "GetAsync", "Method 'GetAsync' of contract 'Hotplug.Contracts.Tests.IWithGenericMethod' is generic")]
    [InlineData(typeof(IWithRef), "Fill", "Method 'Fill' of contract 'Hotplug.Contracts.Tests.IWithRef' has a ref or out parameter")]
    [InlineData(typeof(IWithOut), "Fill", "Method 'Fill' of contract 'Hotplug.Contracts.Tests.IWithOut' has a ref or out parameter")]
    [InlineData(typeof(IWithTwoTokens), "RunAsync", "takes more than one CancellationToken")]
    [InlineData(typeof(IWithStreamAndMore), "RunAsync", "takes an IAsyncEnumerable<T> parameter besides other data parameters")]
    public void For_MemberThatBreaksARule_ThrowsNamingItAndWhatToDo(Type contract, string member, string message)
    {
        var error = Assert.Throws<InvalidContractException>(() => ContractDescriptor.For(contract));

        Assert.Equal(contract, error.ContractType);
        Assert.Equal(member, error.Member);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void For_GenericInterface_IsRefused()
    {
        var error = Assert.Throws<InvalidContractException>(() => ContractDescriptor.For(typeof(IGeneric<int>)));

        Assert.Contains("is a generic interface; declare one non-generic contract per message type", error.Message, StringComparison.Ordinal);
        Assert.Null(error.Member);
    }

    [Fact]
    public void For_Class_IsRefused()
    {
        var error = Assert.Throws<InvalidContractException>(() => ContractDescriptor.For(typeof(Shop)));

        Assert.Contains("is not an interface", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void For_ContractNotGenerated_SaysSo()
    {
        Assert.False(Shop.IsGenerated);
    }

    [Fact]
    public void OperationName_StripsTheAsyncSuffixOnly()
    {
        Assert.Equal("Rank", ContractRules.OperationName("RankAsync"));
        Assert.Equal("Async", ContractRules.OperationName("Async"));
        Assert.Equal("Rank", ContractRules.OperationName("Rank"));
        Assert.Equal("Rankasync", ContractRules.OperationName("Rankasync"));
    }

    [Fact]
    public void Parameter_Info_IsTheMethodsOwn()
    {
        var find = Op(nameof(IShop.FindAsync));

        Assert.Equal(typeof(IShop).GetMethod(nameof(IShop.FindAsync))!.GetParameters()[0], find.Parameters[0].Info, EqualityComparer<ParameterInfo>.Default);
    }
}
