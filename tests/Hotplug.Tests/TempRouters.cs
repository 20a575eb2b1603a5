using System.Runtime.CompilerServices;
using Hotplug.Routing;
using Hotplug.TestContracts;

namespace Hotplug.Tests;

#pragma warning disable CA2255
internal static class TempRouters
{
    [ModuleInitializer]
    internal static void Register()
    {
        RouterRegistry.Register<IEcho>(s => new EchoRouter(s));
        RouterRegistry.Register<IOther>(s => new OtherRouter(s));
    }

    private sealed class EchoRouter(ContractSlot<IEcho> slot) : IEcho
    {
        public IAsyncEnumerable<int> CountAsync(int count, CancellationToken cancellationToken = default) =>
            RouterHelpers.Stream(slot, (t, token) => t.CountAsync(count, token), "CountAsync", cancellationToken);

        public ValueTask<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken = default)
        {
            var lease = slot.Enter();
            ValueTask<EchoReply> task;
            try { task = lease.Target.EchoAsync(request, cancellationToken); }
            catch (Exception ex) { lease.Exit(); throw lease.Fault(ex, "EchoAsync", cancellationToken); }
            if (task.IsCompletedSuccessfully) { lease.Exit(); return task; }
            return RouterHelpers.AwaitValueTask(task, lease, "EchoAsync", cancellationToken);
        }

        public Task<string> HoldAsync(string key, CancellationToken cancellationToken = default)
        {
            var lease = slot.Enter();
            Task<string> task;
            try { task = lease.Target.HoldAsync(key, cancellationToken); }
            catch (Exception ex) { lease.Exit(); throw lease.Fault(ex, "HoldAsync", cancellationToken); }
            if (task.IsCompletedSuccessfully) { lease.Exit(); return task; }
            return RouterHelpers.AwaitTask(task, lease, "HoldAsync", cancellationToken);
        }
    }

    private sealed class OtherRouter(ContractSlot<IOther> slot) : IOther
    {
        public ValueTask<string> WhoAsync(CancellationToken cancellationToken = default)
        {
            var lease = slot.Enter();
            ValueTask<string> task;
            try { task = lease.Target.WhoAsync(cancellationToken); }
            catch (Exception ex) { lease.Exit(); throw lease.Fault(ex, "WhoAsync", cancellationToken); }
            if (task.IsCompletedSuccessfully) { lease.Exit(); return task; }
            return RouterHelpers.AwaitValueTask(task, lease, "WhoAsync", cancellationToken);
        }
    }
}
