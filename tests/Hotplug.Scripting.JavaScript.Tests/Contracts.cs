namespace Hotplug.Scripting.JavaScript.Tests;

/// <summary>The contract the runtime's own tests call: probes of the sandbox, limits and messages.</summary>
[PluginContract("test.javascript/v1")]
public interface IProbe
{
    /// <summary>Runs the script's case <see cref="ProbeRequest.Name"/>.</summary>
    ValueTask<ProbeReply> ProbeAsync(ProbeRequest request, CancellationToken cancellationToken = default);

    /// <summary>Returns a tree <paramref name="depth"/> nodes deep (or, for a negative depth, a cyclic one).</summary>
    ValueTask<Node> TreeAsync(int depth, CancellationToken cancellationToken = default);

    /// <summary>Returns what the script makes of <paramref name="value"/>.</summary>
    ValueTask<Typed> TypedAsync(Typed value, CancellationToken cancellationToken = default);
}

/// <summary>Which case to run.</summary>
public sealed record ProbeRequest(string Name, string? Text = null);

/// <summary>What the case found.</summary>
public sealed record ProbeReply(string Result, IReadOnlyList<int>? Ids = null);

/// <summary>A recursive message.</summary>
public sealed record Node(string Name, Node? Child);

/// <summary>A message with one field of each kind.</summary>
public sealed record Typed(long Big, double Ratio, bool Flag, Shade Shade, IReadOnlyDictionary<string, int> Scores, DateTimeOffset When, IReadOnlyList<string> Tags, int? Missing);

/// <summary>An enum, seen by scripts as lower camel case text.</summary>
public enum Shade
{
    /// <summary>Red.</summary>
    Red,

    /// <summary>Dark blue.</summary>
    DarkBlue,
}

/// <summary>A host service the tests export to scripts.</summary>
public interface IProbeService
{
    /// <summary>Throws a .NET exception.</summary>
    string Fail();

    /// <summary>Answers <paramref name="value"/> doubled, after a real wait.</summary>
    Task<int> DoubleLaterAsync(int value, CancellationToken cancellationToken);

    /// <summary>Answers the last text given to <see cref="Remember"/>.</summary>
    string? Recall();

    /// <summary>Keeps a text.</summary>
    void Remember(string text);

    /// <summary>Waits until the test releases the holds; says it was entered first.</summary>
    Task HoldAsync(CancellationToken cancellationToken);
}

internal sealed class ProbeService : IProbeService
{
    private volatile string? _text;

    public string Fail() => throw new InvalidOperationException("the probe service failed on purpose");

    public async Task<int> DoubleLaterAsync(int value, CancellationToken cancellationToken)
    {
        await Task.Delay(1, cancellationToken);
        return value * 2;
    }

    public string? Recall() => _text;

    public void Remember(string text) => _text = text;

    /// <summary>Completes once a call is waiting in <see cref="HoldAsync"/>.</summary>
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Releases every call waiting in <see cref="HoldAsync"/>.</summary>
    public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task HoldAsync(CancellationToken cancellationToken)
    {
        Entered.TrySetResult();
        return Released.Task.WaitAsync(cancellationToken);
    }
}
