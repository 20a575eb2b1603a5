namespace Hotplug.TestContracts;

/// <summary>
/// Streams that let tests watch a plugin's side of a stream call: how far it has produced, and whether its
/// cancellation token fired. EchoPlugin provides it when its manifest lists <c>test.stream/v1</c>.
/// </summary>
[PluginContract("test.stream/v1")]
public interface IStreams
{
    /// <summary>
    /// Streams items of <paramref name="size"/> characters without end, counting each on the host's
    /// <see cref="ICounterService"/> as it is produced, before it is handed over.
    /// </summary>
    IAsyncEnumerable<string> FloodAsync(int size, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams <c>started</c>, then waits on the host's <see cref="IHoldService"/> for <paramref name="key"/> with its
    /// cancellation token, then streams <c>released</c>.
    /// </summary>
    IAsyncEnumerable<string> FollowAsync(string key, CancellationToken cancellationToken = default);
}
