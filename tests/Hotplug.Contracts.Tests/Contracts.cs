using System.Runtime.CompilerServices;

namespace Hotplug.Contracts.Tests;

public sealed record Order(string Id, int Quantity);

public sealed record Receipt(string Id, decimal Total);

public interface IPing
{
    Task PingAsync(CancellationToken cancellationToken = default);
}

/// <summary>A contract with a method of every shape.</summary>
[PluginContract("shop/v1")]
public interface IShop : IPing
{
    Task<Receipt> BuyAsync(Order order, CancellationToken cancellationToken = default);

    ValueTask<Receipt?> FindAsync(string id, int limit = 10, CancellationToken cancellationToken = default);

    ValueTask ClearAsync(CancellationToken cancellationToken);

    Task<int> CountAsync(CancellationToken cancellationToken, string? prefix);

    string Name(string? prefix);

    void Reset();

    int Twice(in int value);

    IAsyncEnumerable<Order> ListAsync(int take, CancellationToken cancellationToken = default);

    Task<Receipt> UploadAsync(IAsyncEnumerable<Order> orders, CancellationToken cancellationToken = default);

    IAsyncEnumerable<Receipt?> ExchangeAsync(IAsyncEnumerable<Order?> orders, CancellationToken cancellationToken = default);
}

/// <summary>A real implementation, awaiting for real where it matters.</summary>
public sealed class Shop : IShop
{
    public int Pings { get; private set; }

    public int Resets { get; private set; }

    public CancellationToken LastToken { get; private set; }

    /// <summary>Gets or sets what the next awaited call waits for, so tests can hold a call in flight.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        LastToken = cancellationToken;
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        Pings++;
    }

    public async Task<Receipt> BuyAsync(Order order, CancellationToken cancellationToken = default)
    {
        LastToken = cancellationToken;
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return order.Quantity < 0 ? throw new ArgumentOutOfRangeException(nameof(order), "negative quantity") : new Receipt(order.Id, order.Quantity * 2.5m);
    }

    public ValueTask<Receipt?> FindAsync(string id, int limit = 10, CancellationToken cancellationToken = default) =>
        new(id == "none" ? null : new Receipt(id, limit));

    public ValueTask ClearAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public Task<int> CountAsync(CancellationToken cancellationToken, string? prefix) => Task.FromResult(prefix?.Length ?? -1);

    public string Name(string? prefix) => prefix + "shop";

    public void Reset() => Resets++;

    public int Twice(in int value) => value * 2;

    public async IAsyncEnumerable<Order> ListAsync(int take, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < take; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new Order("o" + i, i);
        }
    }

    public async Task<Receipt> UploadAsync(IAsyncEnumerable<Order> orders, CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        var total = 0m;
        await foreach (var order in orders.WithCancellation(cancellationToken))
        {
            ids.Add(order.Id);
            total += order.Quantity;
        }

        return new Receipt(string.Join("+", ids), total);
    }

    public async IAsyncEnumerable<Receipt?> ExchangeAsync(IAsyncEnumerable<Order?> orders, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var order in orders.WithCancellation(cancellationToken))
        {
            yield return order is null ? null : new Receipt(order.Id, order.Quantity);
        }
    }
}

public interface IWithProperty
{
    int Count { get; }
}

public interface IWithEvent
{
    event EventHandler Changed;
}

public interface IWithGenericMethod
{
    Task<T> GetAsync<T>();
}

public interface IWithRef
{
    void Fill(ref int value);
}

public interface IWithOut
{
    void Fill(out int value);
}

public interface IWithTwoTokens
{
    Task RunAsync(CancellationToken first, CancellationToken second);
}

public interface IWithStreamAndMore
{
    Task RunAsync(IAsyncEnumerable<Order> orders, string label);
}

public interface IWithStaticAbstract
{
    static abstract int Create();
}

public interface IWithStaticAbstractProperty
{
    static abstract int Limit { get; }
}

public interface IGeneric<T>
{
    Task<T> GetAsync();
}

public interface IWithStatics
{
    static int Limit => 3;

    static int Helper() => Limit;

    Task<int> RunAsync();

    int Default() => Helper();
}

public interface IOverloaded
{
    Task RunAsync(string name);

    Task RunAsync(int number);
}

public interface IOther
{
    Task<string> EchoAsync(string text);

    Task<string> Echo(string text);
}
