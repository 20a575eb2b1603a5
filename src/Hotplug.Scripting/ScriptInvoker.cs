using System.Runtime.CompilerServices;
using Hotplug.Contracts;

namespace Hotplug.Scripting;

/// <summary>
/// Carries out a contract's operations on a script version's engines: one engine per call, taken from the pool and
/// given back, the call bounded by its timeout. What <see cref="ContractProxy"/> turns into the contract a caller of
/// <c>Get&lt;T&gt;</c> holds, and what call by name runs.
/// </summary>
internal sealed class ScriptInvoker(ScriptVersionCore core, ScriptOperation[] operations) : IOperationInvoker
{
    public async ValueTask<object?> InvokeAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken)
    {
        var script = operations[operation.Index];
        var worker = await core.Pool.RentAsync(cancellationToken).ConfigureAwait(false);
        var deadline = worker.Begin(core.Timeout);
        var registration = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static w => ((EngineWorker)w!).Interrupt(), worker) : default;
        try
        {
            return await worker.Engine.InvokeAsync(script, values, deadline).ConfigureAwait(false);
        }
        catch (Exception ex) when (core.Translate(ex, script, worker, cancellationToken) is { } translated)
        {
            throw translated;
        }
        finally
        {
            await registration.DisposeAsync().ConfigureAwait(false);
            core.Return(worker);
        }
    }

    public async IAsyncEnumerable<object?> InvokeStreamAsync(OperationDescriptor operation, object?[] values, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var script = operations[operation.Index];
        var worker = await core.Pool.RentAsync(cancellationToken).ConfigureAwait(false);
        var deadline = worker.Begin(core.Timeout);
        var registration = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static w => ((EngineWorker)w!).Interrupt(), worker) : default;
        try
        {
            await using var items = worker.Engine.InvokeStreamAsync(script, values, deadline).GetAsyncEnumerator(deadline);
            while (true)
            {
                object? item;
                try
                {
                    if (!await items.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    item = items.Current;
                }
                catch (Exception ex) when (core.Translate(ex, script, worker, cancellationToken) is { } translated)
                {
                    throw translated;
                }

                yield return item;
            }
        }
        finally
        {
            await registration.DisposeAsync().ConfigureAwait(false);
            core.Return(worker);
        }
    }
}
