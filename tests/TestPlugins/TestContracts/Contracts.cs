namespace Hotplug.TestContracts;

/// <summary>The contract the test plugins provide.</summary>
[PluginContract("test.echo/v1")]
public interface IEcho
{
    /// <summary>Echoes the text with who answered. Text "throw" throws; "hang" never completes.</summary>
    ValueTask<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken = default);

    /// <summary>Waits on the host's <see cref="IHoldService"/> for <paramref name="key"/>, then answers with the version.</summary>
    Task<string> HoldAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Streams <paramref name="count"/> numbers.</summary>
    IAsyncEnumerable<int> CountAsync(int count, CancellationToken cancellationToken = default);

    /// <summary>Adds up the numbers the caller streams.</summary>
    Task<long> SumAsync(IAsyncEnumerable<int> numbers, CancellationToken cancellationToken = default);

    /// <summary>Answers each word the caller streams with it in upper case, as it arrives.</summary>
    IAsyncEnumerable<string> ShoutAsync(IAsyncEnumerable<string> words, CancellationToken cancellationToken = default);
}

/// <summary>A second contract, which only some test plugins provide.</summary>
[PluginContract("test.other/v1")]
public interface IOther
{
    /// <summary>Answers with the plugin version.</summary>
    ValueTask<string> WhoAsync(CancellationToken cancellationToken = default);
}

/// <summary>An echo request.</summary>
public sealed record EchoRequest(string Text);

/// <summary>An echo reply.</summary>
public sealed record EchoReply(string Text, string PluginId, string Version, string? Greeting, string? Library, int? Counter);

/// <summary>A host service the tests export to plugins.</summary>
public interface ICounterService
{
    /// <summary>Increments and returns the counter.</summary>
    int Increment();
}

/// <summary>A host service that lets a test hold plugin calls open until it releases them.</summary>
public interface IHoldService
{
    /// <summary>Completes when the test releases <paramref name="key"/>.</summary>
    Task WaitAsync(string key, CancellationToken cancellationToken);
}

/// <summary>A host service that is registered in the host but never exported.</summary>
public interface ISecretService
{
    /// <summary>Returns a secret.</summary>
    string Secret();
}

/// <summary>A static of a shared assembly: a plugin that stores itself here can never be unloaded.</summary>
public static class LeakTrap
{
    /// <summary>Objects held forever.</summary>
    public static readonly List<object> Held = [];
}
