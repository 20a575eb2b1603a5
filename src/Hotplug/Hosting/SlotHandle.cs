using Hotplug.Routing;

namespace Hotplug.Hosting;

/// <summary>A contract slot and its router, seen without their contract type.</summary>
internal interface ISlotHandle
{
    Type ContractType { get; }

    object? Router { get; }

    void Bind(PluginInstance? instance);
}

internal sealed class SlotHandle<TContract> : ISlotHandle
    where TContract : class
{
    public SlotHandle(ContractSlot<TContract> slot, TContract? router)
    {
        Slot = slot;
        Router = router;
    }

    public ContractSlot<TContract> Slot { get; }

    /// <summary>Gets or sets the generated router over the slot, for contracts; services reached through the slot directly have none.</summary>
    public TContract? Router { get; set; }

    public Type ContractType => typeof(TContract);

    object? ISlotHandle.Router => Router;

    public void Bind(PluginInstance? instance) =>
        Slot.Bind(instance?.GetContract(typeof(TContract)) as TContract, instance?.Gate);
}
