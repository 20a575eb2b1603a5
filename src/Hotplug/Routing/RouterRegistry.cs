using System.Collections.Concurrent;
using System.ComponentModel;

namespace Hotplug.Routing;

/// <summary>
/// Where generated routers register themselves (from a module initializer) so the host can create them
/// without reflection. Used by generated code; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RouterRegistry
{
    private static readonly ConcurrentDictionary<Type, Delegate> Factories = new();

    /// <summary>Registers the generated router factory for <typeparamref name="TContract"/>. The first registration wins.</summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="factory">Creates a router over a slot.</param>
    public static void Register<TContract>(Func<ContractSlot<TContract>, TContract> factory)
        where TContract : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        Factories.TryAdd(typeof(TContract), factory);
    }

    internal static bool TryCreate<TContract>(ContractSlot<TContract> slot, out TContract? router)
        where TContract : class
    {
        if (Factories.TryGetValue(typeof(TContract), out var factory))
        {
            router = ((Func<ContractSlot<TContract>, TContract>)factory)(slot);
            return true;
        }

        router = null;
        return false;
    }
}
