namespace Hotplug.Testing;

/// <summary>
/// What a runtime under the conformance kit can do. Every case runs by default; a flag is turned off only where the
/// runtime truly cannot do something, and the kit then asserts what it does instead.
/// </summary>
public sealed record ConformanceCapabilities
{
    /// <summary>Gets every capability: what a runtime is held to unless it says otherwise.</summary>
    public static ConformanceCapabilities All { get; } = new();

    /// <summary>
    /// Gets whether the plugin reaches the host's exported services (the counter, the hold service the kit uses to know
    /// a call has entered the plugin). <value>Default: <see langword="true"/>.</value> Off for a transport that can open
    /// no connection back to the host (the process runtime over stdio): the kit then checks the plugin is offered none.
    /// </summary>
    public bool ReachesHostServices { get; init; } = true;

    /// <summary>
    /// Gets whether a plugin can crash without taking the host with it (text <c>crash</c> ends the plugin mid-call).
    /// <value>Default: <see langword="true"/>.</value> Off for a runtime that runs plugins in the host's own process.
    /// </summary>
    public bool SurvivesCrash { get; init; } = true;

    /// <summary>
    /// Gets whether the plugin's contracts may stream (<see cref="IAsyncEnumerable{T}"/> in or out).
    /// <value>Default: <see langword="true"/>.</value> Off for a runtime whose transport carries one message each way
    /// (the bus's request/reply): the kit then checks a streaming call fails, saying streams are not carried, and the
    /// plugin serves on.
    /// </summary>
    public bool Streams { get; init; } = true;
}
