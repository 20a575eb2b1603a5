using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Hotplug.Routing;

/// <summary>
/// One call in flight on one plugin version. Used by generated code; not meant to be used directly.
/// </summary>
/// <typeparam name="TContract">The contract interface.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct CallLease<TContract>
    where TContract : class
{
    internal CallLease(TContract target, CallGate gate)
    {
        Target = target;
        Gate = gate;
    }

    /// <summary>Gets the active version's implementation of the contract.</summary>
    public TContract Target { get; }

    internal CallGate Gate { get; }

    /// <summary>Gets the plugin version's call timeout, for runtimes that pass it on as a deadline.</summary>
    public TimeSpan CallTimeout => Gate.CallTimeout;

    /// <summary>Gets the plugin id.</summary>
    public string PluginId => Gate.PluginId;

    /// <summary>Gets the plugin version the call entered.</summary>
    public string Version => Gate.Version;

    /// <summary>Counts the call out. Call exactly once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit() => Gate.Exit();

    /// <summary>Turns what the plugin threw into the exception the caller gets.</summary>
    /// <param name="exception">What the plugin threw.</param>
    /// <param name="method">The contract method called.</param>
    /// <param name="cancellationToken">The caller's token: a cancellation it asked for passes through unwrapped.</param>
    /// <returns>The exception to throw.</returns>
    public Exception Fault(Exception exception, string method, CancellationToken cancellationToken) =>
        Gate.Fault(exception, method, cancellationToken);
}
