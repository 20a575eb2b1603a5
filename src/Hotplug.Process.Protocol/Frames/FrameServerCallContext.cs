using Grpc.Core;

namespace Hotplug.Process.Protocol.Frames;

/// <summary>What a handler sees of a fast-lane call: its method, headers, deadline and cancellation, and what it sets for the end.</summary>
internal sealed class FrameServerCallContext : ServerCallContext, IDisposable
{
    private readonly string _method;
    private readonly Metadata _headers;
    private readonly CancellationTokenSource _cancellation = new();
    private readonly DateTime _deadline;
    private readonly IResponseHeaderSender _owner;
    private Metadata? _trailers;
    private bool _headersSent;
    private volatile bool _cancelled;

    public FrameServerCallContext(string method, Metadata headers, long timeoutMicroseconds, IResponseHeaderSender owner)
    {
        _method = method;
        _headers = headers;
        _owner = owner;
        if (timeoutMicroseconds >= 0)
        {
            var timeout = TimeSpan.FromMicroseconds(timeoutMicroseconds);
            _deadline = DateTime.UtcNow + timeout;
            _cancellation.CancelAfter(timeout);
        }
        else
        {
            _deadline = DateTime.MaxValue;
        }
    }

    /// <summary>Gets or sets what runs once the call's end has been sent (a shutdown answers before it stops the plugin).</summary>
    public Action? Ended { get; set; }

    /// <summary>Gets whether the call's deadline has passed: its timer fired (which may be a tick before the clock says so), or the clock says so.</summary>
    public bool DeadlinePassed => _deadline != DateTime.MaxValue && ((_cancellation.IsCancellationRequested && !_cancelled) || DateTime.UtcNow >= _deadline);

    public void Cancel()
    {
        _cancelled = true;
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose() => _cancellation.Dispose();

    protected override string MethodCore => _method;

    protected override string HostCore => "localhost";

    protected override string PeerCore => "unix:fast-lane";

    protected override DateTime DeadlineCore => _deadline;

    protected override Metadata RequestHeadersCore => _headers;

    protected override CancellationToken CancellationTokenCore => _cancellation.Token;

    protected override Metadata ResponseTrailersCore => _trailers ??= [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore => new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("Context propagation is not supported on the fast lane.");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders)
    {
        if (_headersSent)
        {
            throw new InvalidOperationException("Response headers can only be sent once per call.");
        }

        _headersSent = true;
        _owner.SendHeaders(responseHeaders);
        return Task.CompletedTask;
    }
}

/// <summary>What sends a call's response headers.</summary>
internal interface IResponseHeaderSender
{
    void SendHeaders(Metadata headers);
}
