using System.Runtime.CompilerServices;
using Bench.Contracts;
using Hotplug.Routing;

namespace Hotplug.Benchmarks;

#pragma warning disable CA2255
internal static class TempRouter
{
    [ModuleInitializer]
    internal static void Register() => RouterRegistry.Register<ICalculator>(s => new CalculatorRouter(s));

    private sealed class CalculatorRouter(ContractSlot<ICalculator> slot) : ICalculator
    {
        public ValueTask<int> AddAsync(int a, int b, CancellationToken cancellationToken = default)
        {
            var lease = slot.Enter();
            ValueTask<int> task;
            try { task = lease.Target.AddAsync(a, b, cancellationToken); }
            catch (Exception ex) { lease.Exit(); throw lease.Fault(ex, "AddAsync", cancellationToken); }
            if (task.IsCompletedSuccessfully) { lease.Exit(); return task; }
            return RouterHelpers.AwaitValueTask(task, lease, "AddAsync", cancellationToken);
        }
    }
}
