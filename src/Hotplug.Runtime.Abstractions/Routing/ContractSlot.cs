using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Hotplug.Routing;

/// <summary>
/// The place a generated router reads the active implementation of one contract of one plugin from.
/// Used by generated code; not meant to be used directly.
/// </summary>
/// <typeparam name="TContract">The contract interface.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ContractSlot<TContract>
    where TContract : class
{
    private Binding? _binding;

    internal ContractSlot(string pluginId)
    {
        PluginId = pluginId;
    }

    /// <summary>Gets the plugin id this slot routes to.</summary>
    public string PluginId { get; }

    internal string? ActiveVersion => Volatile.Read(ref _binding)?.Gate.Version;

    /// <summary>Enters a call on the active version.</summary>
    /// <returns>A lease that must be exited exactly once when the call completes.</returns>
    /// <exception cref="PluginUnavailableException">No version is active.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CallLease<TContract> Enter()
    {
        var binding = Volatile.Read(ref _binding);
        if (binding is not null && binding.Gate.TryEnter())
        {
            return new CallLease<TContract>(binding.Target, binding.Gate);
        }

        return EnterSlow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CallLease<TContract> EnterSlow()
    {
        while (true)
        {
            var binding = Volatile.Read(ref _binding);
            if (binding is null)
            {
                ThrowUnavailable();
            }

            if (binding.Gate.TryEnter())
            {
                return new CallLease<TContract>(binding.Target, binding.Gate);
            }

            // The version was retired between the read and the enter; the slot already points elsewhere.
        }
    }

    internal void Bind(TContract? target, CallGate? gate) =>
        Volatile.Write(ref _binding, target is null || gate is null ? null : new Binding(target, gate));

    [DoesNotReturn]
    private void ThrowUnavailable() =>
        throw new PluginUnavailableException(
            $"Plugin '{PluginId}' has no active version providing {typeof(TContract).Name}: it is not loaded yet, failed, or was taken offline.",
            PluginId);

    private sealed class Binding(TContract target, CallGate gate)
    {
        public readonly TContract Target = target;
        public readonly CallGate Gate = gate;
    }
}
