namespace Hotplug;

/// <summary>
/// Marks an interface as a plugin contract: the shape a host calls and a plugin implements.
/// </summary>
/// <remarks>
/// <para>
/// A contract's methods should be asynchronous (<see cref="ValueTask{TResult}"/> or <see cref="Task{TResult}"/>),
/// take data messages (records that serialize) and an optional <see cref="CancellationToken"/> as the last
/// parameter, and may return <see cref="IAsyncEnumerable{T}"/> to stream. Contracts built this way can be
/// served in process, across processes, to scripts and over a network without change.
/// </para>
/// <para>
/// The host generates a router for every contract it calls at build time; the router always reaches the
/// active version of a plugin, applies its call timeout and counts calls in flight so upgrades can drain.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Interface, AllowMultiple = false, Inherited = false)]
public sealed class PluginContractAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">
    /// The contract's stable name and major version, such as <c>ranking/v1</c>. Manifests list the contracts
    /// a plugin provides by this name.
    /// </param>
    public PluginContractAttribute(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>Gets the contract name, such as <c>ranking/v1</c>.</summary>
    public string Name { get; }
}
