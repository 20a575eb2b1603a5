using System.Collections.Concurrent;

namespace Hotplug.Scripting.Lua.Tests.Infrastructure;

/// <summary>The contract the tests' Lua scripts implement.</summary>
[PluginContract("test.lua/v1")]
public interface IProbe
{
    /// <summary>Runs the script's case <paramref name="name"/> and answers with what it saw.</summary>
    ValueTask<string> RunAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Answers a request of a user and scored items.</summary>
    ValueTask<ProbeReply> ReplyAsync(ProbeRequest request, CancellationToken cancellationToken = default);
}

/// <summary>A request: a case name, a user and scored items.</summary>
public sealed record ProbeRequest(string Name, long UserId, IReadOnlyList<ProbeItem> Items);

/// <summary>A scored item.</summary>
public sealed record ProbeItem(long Id, double Score);

/// <summary>A reply: text, ids and an optional item.</summary>
public sealed record ProbeReply(string Text, IReadOnlyList<long> Ids, ProbeItem? Best);

/// <summary>A host service the tests export: a greeting that completes later (a truly asynchronous call) and gates.</summary>
public interface IGreeter
{
    /// <summary>Greets, after yielding the thread.</summary>
    Task<string> GreetAsync(string name);

    /// <summary>Waits until the test opens the gate <paramref name="key"/>.</summary>
    Task WaitAsync(string key, CancellationToken cancellationToken);

    /// <summary>Scores an item, at once.</summary>
    double Score(ProbeItem item);
}

/// <summary>The tests' <see cref="IGreeter"/>: gates are signalled when a call enters them.</summary>
public sealed class Greeter : IGreeter
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _entered = new();

    public async Task<string> GreetAsync(string name)
    {
        await Task.Yield();
        return $"hello, {name}";
    }

    public async Task WaitAsync(string key, CancellationToken cancellationToken)
    {
        Entered(key).TrySetResult();
        await Gate(key).Task.WaitAsync(cancellationToken);
    }

    public double Score(ProbeItem item) => item.Score * 2;

    public Task WhenEntered(string key) => Entered(key).Task.WaitAsync(LuaHost.Guard);

    public void Open(string key) => Gate(key).TrySetResult();

    private TaskCompletionSource Gate(string key) => _gates.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource Entered(string key) => _entered.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
}
