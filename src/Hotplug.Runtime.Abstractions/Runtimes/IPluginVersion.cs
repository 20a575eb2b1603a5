using Hotplug.Contracts.Json;

namespace Hotplug.Runtimes;

/// <summary>One version of a plugin, as a runtime runs it.</summary>
/// <remarks>
/// The host drives a version through its lifecycle (<see cref="PluginVersionState"/>), one step at a time:
/// <see cref="StartAsync"/>, then <see cref="CheckHealthAsync"/> (at once, and on an interval while it serves), then —
/// once no router points at it and its calls drained — <see cref="StopAsync"/>, then <see cref="ReleaseAsync"/>, once.
/// </remarks>
public interface IPluginVersion
{
    /// <summary>Gets the contract interfaces this version provides to the host's routers.</summary>
    IReadOnlyCollection<Type> ContractTypes { get; }

    /// <summary>
    /// Gets what answers calls by name (JSON in, JSON out) for this version once it started, or <see langword="null"/>
    /// when it cannot be called by name. The host enters each call under the version's gate, bounds it by the call
    /// timeout and counts it in flight; the runtime only finds the operation and carries it out.
    /// </summary>
    /// <remarks>
    /// A runtime with a CLR object answers with <see cref="JsonCallByName"/> over an
    /// <see cref="Hotplug.Contracts.OperationDispatcher"/> for each contract; one without (a process, a script, a bus)
    /// over its own <see cref="Hotplug.Contracts.IOperationInvoker"/>, or with an <see cref="IJsonCallByName"/> of its
    /// own. The JSON settings it uses are the version's own, let go of when it is released.
    /// </remarks>
    IJsonCallByName? CallByName => null;

    /// <summary>
    /// Gets how the version's pool of workers is used, for its status, or <see langword="null"/> for a runtime that
    /// does not pool (the default). Read whenever status is asked for: keep it cheap.
    /// </summary>
    PluginPoolStatus? Pool => null;

    /// <summary>Starts the version. Bounded by the host's start timeout through <paramref name="cancellationToken"/>.</summary>
    /// <param name="cancellationToken">Cancelled at the start timeout or when the host stops.</param>
    /// <returns>A task that completes when the version can be health-checked.</returns>
    /// <exception cref="PluginException">The version cannot start (<see cref="PluginStartException"/>, say); the message says why.</exception>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Reports whether the version can serve.</summary>
    /// <param name="cancellationToken">Cancelled at the host's health-check timeout (or the start timeout, for the first check).</param>
    /// <returns>The health.</returns>
    Task<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken);

    /// <summary>Returns the object that implements <paramref name="contractType"/> for the host's routers, or <see langword="null"/>.</summary>
    /// <param name="contractType">A contract interface (or another service type the runtime routes, such as a call invoker).</param>
    /// <returns>The implementation.</returns>
    object? GetContract(Type contractType);

    /// <summary>Stops the version, after its calls drained. Bounded by the host's stop timeout.</summary>
    /// <param name="cancellationToken">Cancelled at the stop timeout.</param>
    /// <returns>A task that completes when the version has released what it holds.</returns>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Drops every reference into the version's code, and reports whether the version is really gone: an in-process
    /// runtime unloads the version's code and verifies that it was collected; an out-of-process runtime has nothing
    /// left in the host once the version stopped.
    /// </summary>
    /// <param name="timeout">
    /// How long the runtime may take to verify that the version is gone (the host's <c>UnloadTimeout</c>); past it, a
    /// version still alive is reported <see cref="ReleaseOutcome.Leaked"/>.
    /// </param>
    /// <param name="cancellationToken">
    /// Cancelled when the host stops (it may already be, when the host is stopping): the references are dropped all
    /// the same, and the runtime stops waiting and reports <see cref="ReleaseOutcome.Unverified"/>, or
    /// <see cref="ReleaseOutcome.Collected"/> when the version is already gone. It does not throw for it.
    /// </param>
    /// <returns>What became of the version; the host records it in the version's history.</returns>
    ValueTask<ReleaseResult> ReleaseAsync(TimeSpan timeout, CancellationToken cancellationToken);
}
