using Grpc.Core;

namespace Hotplug.Process;

/// <summary>
/// A call invoker for one plugin version that follows its supervised process: each call goes to the process
/// running now; while it restarts, calls fail at once with <see cref="PluginCrashedException"/>.
/// </summary>
internal sealed class SupervisedCallInvoker(ProcessSupervisor supervisor, string version) : CallInvoker
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Current().BlockingUnaryCall(method, host, options, request);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Current().AsyncUnaryCall(method, host, options, request);

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Current().AsyncServerStreamingCall(method, host, options, request);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        Current().AsyncClientStreamingCall(method, host, options);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        Current().AsyncDuplexStreamingCall(method, host, options);

    private CallInvoker Current() =>
        supervisor.Current is { } process
            ? process.CallInvoker
            : throw new PluginCrashedException($"Plugin '{supervisor.PluginId}' {version} has no running process: it is {supervisor.State.ToString().ToLowerInvariant()}.", supervisor.PluginId, version);
}
