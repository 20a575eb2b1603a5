using System.Threading.Channels;
using Hotplug.Wire;

namespace Hotplug.Bus;

/// <summary>
/// A one-to-one channel between the host and one member, by name: the first member to open a name holds it; a second is
/// refused (<see cref="BusPairRefusedException"/>) until the first closes it or leaves. Messages arrive in order.
/// </summary>
/// <typeparam name="T">The message type, a record both sides know.</typeparam>
public sealed class BusPair<T> : IAsyncDisposable, IPairEnd
{
    private readonly Channel<T> _received = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Action<byte[]> _send;
    private readonly Action _close;
    private readonly CancellationTokenSource _closed = new();
    private readonly Wire.PayloadCodec _codec;

    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode("Bus messages are encoded by reflection.")]
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode("Bus messages are read by reflection.")]
    internal BusPair(string name, string peer, Action<byte[]> send, Action close)
    {
        Name = name;
        Peer = peer;
        _send = send;
        _close = close;
        _codec = ContractSchema.MessageCodec(typeof(T));
    }

    /// <summary>Gets the pair's name.</summary>
    public string Name { get; }

    /// <summary>Gets the other end: the member's name, or <c>host</c>.</summary>
    public string Peer { get; }

    /// <summary>Gets a token cancelled when the pair closes: either end closed it, or the member left.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Sends a message to the other end.</summary>
    /// <param name="message">The message.</param>
    /// <exception cref="BusPairClosedException">The pair is closed.</exception>
    public void Send(T message)
    {
        if (_closed.IsCancellationRequested)
        {
            throw new BusPairClosedException(Name);
        }

        _send(_codec.Encode([message]));
    }

    /// <summary>Waits for the next message from the other end.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The message.</returns>
    /// <exception cref="BusPairClosedException">The pair closed and every message it received was read.</exception>
    public async ValueTask<T> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _received.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new BusPairClosedException(Name);
        }
    }

    /// <summary>Closes the pair: the name is free again for another member.</summary>
    /// <returns>A task that completes at once.</returns>
    public ValueTask DisposeAsync()
    {
        if (!_closed.IsCancellationRequested)
        {
            _close();
            Close();
        }

        return ValueTask.CompletedTask;
    }

    void IPairEnd.Deliver(byte[] payload) => Deliver(payload);

    void IPairEnd.Close() => Close();

    internal void Deliver(byte[] payload) => _received.Writer.TryWrite((T)_codec.Decode(payload.AsSpan())[0]!);

    internal void Close()
    {
        _received.Writer.TryComplete();
        _closed.Cancel();
    }
}

/// <summary>A pair's name is held by another member.</summary>
public sealed class BusPairRefusedException(string name, string reason) : Exception($"Pair '{name}' refused: {reason}")
{
    /// <summary>Gets the pair's name.</summary>
    public string Name { get; } = name;
}

/// <summary>The pair is closed: its other end closed it or left.</summary>
public sealed class BusPairClosedException(string name) : Exception($"Pair '{name}' is closed: its other end closed it or left the bus.")
{
    /// <summary>Gets the pair's name.</summary>
    public string Name { get; } = name;
}

/// <summary>What the bus side of a pair needs of it, whatever its message type.</summary>
internal interface IPairEnd
{
    void Deliver(byte[] payload);

    void Close();
}
