using Grpc.Core;

namespace Hotplug.Wire;

/// <summary>How a contract client makes its calls and reports failures.</summary>
public sealed class ContractClientOptions
{
    /// <summary>Gets or sets the call options of each call from the caller's token (which must stay in them); by default only the token.</summary>
    public Func<CancellationToken, CallOptions> CallOptions { get; set; } = static token => new CallOptions(cancellationToken: token);

    /// <summary>
    /// Gets or sets what a failed call throws, from the <see cref="RpcException"/>, the method and the caller's token.
    /// By default a cancellation the caller asked for is an <see cref="OperationCanceledException"/>, and anything
    /// else the <see cref="RpcException"/> itself.
    /// </summary>
    public Func<RpcException, ContractOperation, CancellationToken, Exception> Translate { get; set; } = static (exception, _, token) =>
        exception.StatusCode == StatusCode.Cancelled && token.IsCancellationRequested ? new OperationCanceledException(exception.Status.Detail, exception, token) : exception;
}
