using Hotplug.Routing;

namespace Hotplug.Hosting;

/// <summary>A contract slot and its router, seen without their contract type.</summary>
internal interface ISlotHandle
{
    Type ContractType { get; }

    object Router { get; }

    void Bind(PluginInstance? instance);
}

internal sealed class SlotHandle<TContract> : ISlotHandle
    where TContract : class
{
    public SlotHandle(ContractSlot<TContract> slot, TContract router)
    {
        Slot = slot;
        Router = router;
    }

    public ContractSlot<TContract> Slot { get; }

    public TContract Router { get; }

    public Type ContractType => typeof(TContract);

    object ISlotHandle.Router => Router;

    public void Bind(PluginInstance? instance) =>
        Slot.Bind(instance?.GetContract(typeof(TContract)) as TContract, instance?.Gate);
}
