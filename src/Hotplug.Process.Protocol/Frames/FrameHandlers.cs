using System.Buffers.Binary;
using System.Threading.Channels;
using Grpc.Core;

namespace Hotplug.Process.Protocol.Frames;

/// <summary>
/// The methods one side serves on its fast-lane connections, bound as gRPC binds them: a generated service's
/// <c>BindService(binder, implementation)</c>, or <c>ServerServiceDefinition</c>-style handlers, add their methods here.
/// </summary>
internal sealed class FrameHandlers : ServiceBinderBase
{
    private readonly Dictionary<string, FrameMethod> _methods = new(StringComparer.Ordinal);
    private int _running;

    /// <summary>
    /// Gets or sets a task the calls of methods that <see cref="IsGated"/> says wait for before they run: a plugin's own
    /// services wait until the plugin has started, its protocol services (health, controller) do not.
    /// </summary>
    public Task? Gate { get; set; }

    /// <summary>Gets or sets which methods wait for <see cref="Gate"/>, by full name.</summary>
    public Func<string, bool>? IsGated { get; set; }

    /// <summary>Gets how many calls of gated methods (the plugin's own) are running: a stopping server lets them end.</summary>
    public int Running => Volatile.Read(ref _running);

    internal FrameMethod? Find(string fullName) => _methods.GetValueOrDefault(fullName);

    internal void Entered() => Interlocked.Increment(ref _running);

    internal void Exited() => Interlocked.Decrement(ref _running);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler is null ? null : new FrameMethod<TRequest, TResponse>(this, method) { Unary = handler });

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler is null ? null : new FrameMethod<TRequest, TResponse>(this, method) { ClientStreaming = handler });

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler is null ? null : new FrameMethod<TRequest, TResponse>(this, method) { ServerStreaming = handler });

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler is null ? null : new FrameMethod<TRequest, TResponse>(this, method) { DuplexStreaming = handler });

    private void Add(IMethod method, FrameMethod? entry)
    {
        if (entry is not null)
        {
            _methods[method.FullName] = entry;
        }
    }
}

/// <summary>One method served on the fast lane: starts a call of it when its call frame comes.</summary>
internal abstract class FrameMethod
{
    public abstract void Start(FrameConnection connection, uint id, Metadata headers, long timeoutMicroseconds);
}

/// <summary>One method served on the fast lane, with its handler of the kind the method is.</summary>
internal sealed class FrameMethod<TRequest, TResponse>(FrameHandlers owner, Method<TRequest, TResponse> method) : FrameMethod
    where TRequest : class
    where TResponse : class
{
    public Method<TRequest, TResponse> Method => method;

    public UnaryServerMethod<TRequest, TResponse>? Unary { get; init; }

    public ClientStreamingServerMethod<TRequest, TResponse>? ClientStreaming { get; init; }

    public ServerStreamingServerMethod<TRequest, TResponse>? ServerStreaming { get; init; }

    public DuplexStreamingServerMethod<TRequest, TResponse>? DuplexStreaming { get; init; }

    public bool StreamsRequest => ClientStreaming is not null || DuplexStreaming is not null;

    public bool Gated { get; } = owner.IsGated?.Invoke(method.FullName) == true;

    public Task? Gate => Gated ? owner.Gate : null;

    public FrameHandlers Owner => owner;

    public override void Start(FrameConnection connection, uint id, Metadata headers, long timeoutMicroseconds) =>
        new FrameServerCall<TRequest, TResponse>(connection, this, id, headers, timeoutMicroseconds).Open();
}
