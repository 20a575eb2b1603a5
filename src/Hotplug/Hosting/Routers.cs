using System.Reflection;
using Hotplug.Routing;

namespace Hotplug.Hosting;

/// <summary>The routers and slots callers hold: one slot per plugin and contract (or routed service), bound to its active version.</summary>
internal sealed class Routers(PluginRegistry registry)
{
    /// <summary>Gets the plugin's router for <typeparamref name="TContract"/>, created on first use.</summary>
    /// <exception cref="PluginException">The type is not a plugin contract, or no router was generated for it.</exception>
    public TContract Get<TContract>(string pluginId)
        where TContract : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        var type = typeof(TContract);
        if (!type.IsInterface || type.GetCustomAttribute<PluginContractAttribute>() is null)
        {
            throw new PluginException(
                $"{type.FullName} is not a plugin contract: mark the interface with [PluginContract(\"name/v1\")] in an assembly that references Hotplug.Abstractions.",
                pluginId);
        }

        var entry = registry.GetOrAdd(pluginId);
        lock (entry.Sync)
        {
            var handle = SlotFor<TContract>(entry);
            if (handle.Router is { } existing)
            {
                return existing;
            }

            if (!RouterRegistry.TryCreate(handle.Slot, out var router) || router is null)
            {
                throw new PluginException(
                    $"No router was generated for {type.FullName}. The project that calls Get<{type.Name}>() must reference the Hotplug package (which brings its source generator), or the generator project as an analyzer.",
                    pluginId);
            }

            handle.Router = router;
            return router;
        }
    }

    /// <summary>Gets the plugin's slot for <typeparamref name="TService"/>, created and bound on first use.</summary>
    public ContractSlot<TService> GetSlot<TService>(string pluginId)
        where TService : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        var entry = registry.GetOrAdd(pluginId);
        lock (entry.Sync)
        {
            return SlotFor<TService>(entry).Slot;
        }
    }

    /// <summary>Points every slot of the plugin at <paramref name="instance"/> (or at nothing). Call under the entry's lock.</summary>
    public static void BindAll(PluginEntry entry, PluginInstance? instance)
    {
        foreach (var slot in entry.Slots.Values)
        {
            slot.Bind(instance);
        }
    }

    /// <summary>The slot of <typeparamref name="T"/> for the plugin, created and bound on first use. Call under the entry's lock.</summary>
    private static SlotHandle<T> SlotFor<T>(PluginEntry entry)
        where T : class
    {
        if (entry.Slots.TryGetValue(typeof(T), out var existing))
        {
            return (SlotHandle<T>)existing;
        }

        var handle = new SlotHandle<T>(new ContractSlot<T>(entry.Id), router: null);
        handle.Bind(entry.Active);
        entry.Slots.Add(typeof(T), handle);
        return handle;
    }
}
