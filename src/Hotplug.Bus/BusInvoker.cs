using Hotplug.Bus.Protocol;
using Hotplug.Contracts;
using Hotplug.Wire;

namespace Hotplug.Bus;

/// <summary>Carries out a contract's operations as bus requests to a service's members (request/reply).</summary>
internal sealed class BusInvoker(BusHub hub, string service, ContractSchema schema, Func<Exception, Exception> translate, int deadlineMs, HubService? owner) : IOperationInvoker
{
    public async ValueTask<object?> InvokeAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken)
    {
        var method = MethodOf(operation);
        cancellationToken.ThrowIfCancellationRequested();
        var call = hub.Start(FrameKind.Request, service, schema.ContractName!, method, method.Request.Encode(values), deadlineMs, owner);
        byte[] answer;
        try
        {
            using (cancellationToken.UnsafeRegister(static (state, token) => ((PendingCall)state!).Fail(new OperationCanceledException(token)), call))
            {
                answer = await call.Done.Task.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            hub.Abandon(call);
            throw;
        }
        catch (BusCallException ex)
        {
            throw translate(ex);
        }

        return method.Descriptor.ResultType is null ? null : method.Response.Decode(answer.AsSpan())[0];
    }

    public IAsyncEnumerable<object?> InvokeStreamAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{operation} streams; streams do not go over the bus (use a process plugin for them, or publish the items).");

    private ContractOperation MethodOf(OperationDescriptor operation)
    {
        if (operation.StreamsInput || operation.StreamsOutput)
        {
            throw new NotSupportedException($"{operation} streams; streams do not go over the bus (use a process plugin for them, or publish the items).");
        }

        return ReferenceEquals(operation.Contract, schema.Descriptor)
            ? schema.Operations[operation.Index]
            : throw new ArgumentException($"{operation} is not an operation of {schema.ContractType.FullName}.", nameof(operation));
    }
}

/// <summary>Finds which operation a lambda over a contract calls, and with what: how surveys and work items are typed on contracts.</summary>
internal static class CallCapture
{
    public static (ContractSchema Schema, ContractOperation Operation, object?[] Values) Capture<TContract>(Func<TContract, object> call)
        where TContract : class
    {
        ArgumentNullException.ThrowIfNull(call);
        var schema = ContractSchema.For(typeof(TContract));
        if (schema.ContractName is null)
        {
            throw new ArgumentException($"{typeof(TContract).FullName} has no [PluginContract(\"name/v1\")]: only named contracts go over the bus.");
        }

        var recorder = new Recorder();
        _ = call((TContract)ContractProxy.Create(schema.Descriptor, recorder));
        if (recorder.Operation is null)
        {
            throw new ArgumentException($"The lambda must call one method of {typeof(TContract).Name}, such as c => c.HandleAsync(message).");
        }

        return (schema, schema.Operations[recorder.Operation.Index], recorder.Values!);
    }

    private sealed class Recorder : IOperationInvoker
    {
        private static readonly TaskCompletionSource<object?> Never = new();

        public OperationDescriptor? Operation { get; private set; }

        public object?[]? Values { get; private set; }

        public ValueTask<object?> InvokeAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken)
        {
            if (operation.StreamsInput)
            {
                throw new NotSupportedException($"{operation} streams; streams do not go over the bus.");
            }

            (Operation, Values) = (operation, values);
            return new ValueTask<object?>(Never.Task);
        }

        public IAsyncEnumerable<object?> InvokeStreamAsync(OperationDescriptor operation, object?[] values, CancellationToken cancellationToken) =>
            throw new NotSupportedException($"{operation} streams; streams do not go over the bus.");
    }
}
