using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Hotplug.Process.Protocol.Frames;

namespace Hotplug.Process.Tests;

/// <summary>
/// The fast lane's framing on real Unix sockets, both ends in this process: deadlines and cancellation reaching the
/// handler, credit on long streams, oversized messages, unknown methods, and a peer that sends garbage.
/// </summary>
public sealed class FrameProtocolTests : IAsyncLifetime
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    private static readonly Marshaller<string> Text = Marshallers.Create(s => Encoding.UTF8.GetBytes(s), b => Encoding.UTF8.GetString(b));
    private static readonly Method<string, string> Echo = new(MethodType.Unary, "test", "Echo", Text, Text);
    private static readonly Method<string, string> Hold = new(MethodType.Unary, "test", "Hold", Text, Text);
    private static readonly Method<string, string> Count = new(MethodType.ServerStreaming, "test", "Count", Text, Text);
    private static readonly Method<string, string> Join = new(MethodType.ClientStreaming, "test", "Join", Text, Text);
    private static readonly Method<string, string> Wait = new(MethodType.ServerStreaming, "test", "Wait", Text, Text);

    private readonly string _folder = Directory.CreateTempSubdirectory("hp-frames-").FullName;
    private readonly TaskCompletionSource<(DateTime Deadline, bool Cancelled)> _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _listener;
    private FrameConnection? _client;
    private FrameConnection? _server;

    public async Task InitializeAsync()
    {
        var handlers = new FrameHandlers();
        handlers.AddMethod(Echo, (UnaryServerMethod<string, string>)((request, _) => Task.FromResult("echo " + request)));
        handlers.AddMethod(Hold, (UnaryServerMethod<string, string>)(async (_, context) =>
        {
            _holding.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            finally
            {
                _held.TrySetResult((context.Deadline, context.CancellationToken.IsCancellationRequested));
            }

            return "never";
        }));
        handlers.AddMethod(Count, (ServerStreamingServerMethod<string, string>)(async (request, responses, _) =>
        {
            for (var i = 0; i < int.Parse(request, System.Globalization.CultureInfo.InvariantCulture); i++)
            {
                await responses.WriteAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }));
        handlers.AddMethod(Join, (ClientStreamingServerMethod<string, string>)(async (requests, _) =>
        {
            var count = 0;
            while (await requests.MoveNext(CancellationToken.None))
            {
                count++;
            }

            return count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }));

        handlers.AddMethod(Wait, (ServerStreamingServerMethod<string, string>)(async (_, _, context) =>
        {
            _holding.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }));

        var path = Path.Combine(_folder, "frames.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen();
        var accepted = _listener.AcceptAsync();
        _client = await FrameConnection.ConnectAsync(path, Token, null, 1024, CancellationToken.None);
        _server = await FrameConnection.AcceptAsync(await accepted, Token, handlers, 1024, TimeSpan.FromSeconds(60));
        Assert.NotNull(_server);
    }

    public async Task DisposeAsync()
    {
        await _client!.DisposeAsync();
        await _server!.DisposeAsync();
        _listener!.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Unary_AnswersOnTheSameConnection()
    {
        var answer = await _client!.Invoker.AsyncUnaryCall(Echo, null, default, "hi");

        Assert.Equal("echo hi", answer);
    }

    [Fact]
    public async Task Deadline_ReachesTheHandler_AndEndsTheCallAsDeadlineExceeded()
    {
        var deadline = DateTime.UtcNow.AddSeconds(2);

        var failure = await Assert.ThrowsAsync<RpcException>(async () => await _client!.Invoker.AsyncUnaryCall(Hold, null, new CallOptions(deadline: deadline), "x"));
        var (seen, cancelled) = await _held.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(StatusCode.DeadlineExceeded, failure.StatusCode);
        Assert.True(cancelled);
        // The handler saw the caller's deadline, not none: within what the trip took.
        Assert.InRange(seen, deadline.AddSeconds(-1), deadline.AddSeconds(1));
    }

    [Fact]
    public async Task Cancellation_ReachesTheHandlerAsACancelFrame()
    {
        using var cancel = new CancellationTokenSource();

        var call = _client!.Invoker.AsyncUnaryCall(Hold, null, new CallOptions(cancellationToken: cancel.Token), "x");
        await _holding.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await cancel.CancelAsync();
        var failure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        var (seen, cancelled) = await _held.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(StatusCode.Cancelled, failure.StatusCode);
        Assert.True(cancelled);
        Assert.Equal(DateTime.MaxValue, seen);
    }

    [Fact]
    public async Task LongStreamsBothWays_FlowPastTheWindow()
    {
        var items = new List<string>();
        using var counting = _client!.Invoker.AsyncServerStreamingCall(Count, null, default, "1000");
        while (await counting.ResponseStream.MoveNext(CancellationToken.None))
        {
            items.Add(counting.ResponseStream.Current);
        }

        using var joining = _client.Invoker.AsyncClientStreamingCall(Join, null, default);
        for (var i = 0; i < 1000; i++)
        {
            await joining.RequestStream.WriteAsync("x");
        }

        await joining.RequestStream.CompleteAsync();

        Assert.Equal(1000, items.Count);
        Assert.Equal("999", items[^1]);
        Assert.Equal("1000", await joining.ResponseAsync);
    }

    [Fact]
    public async Task OversizedMessage_FailsItsCallOnly()
    {
        var failure = await Assert.ThrowsAsync<RpcException>(async () => await _client!.Invoker.AsyncUnaryCall(Echo, null, default, new string('x', 4096)));
        var answer = await _client!.Invoker.AsyncUnaryCall(Echo, null, default, "small");

        Assert.Equal(StatusCode.ResourceExhausted, failure.StatusCode);
        Assert.Equal("echo small", answer);
    }

    [Fact]
    public async Task PeerSendsPastItsCredit_TheStreamIsCutOff()
    {
        using var call = _client!.Invoker.AsyncServerStreamingCall(Wait, null, default, "x");
        await _holding.Task.WaitAsync(TimeSpan.FromSeconds(60));

        // The plugin's side ignores credit: 100 messages on the caller's stream (its first: id 1), none read yet.
        for (var i = 0; i < 100; i++)
        {
            _server!.SendMessage(FrameFlags.None, 1, Text, "flood");
        }

        var read = 0;
        var failure = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                read++;
            }
        });

        Assert.Equal(StatusCode.ResourceExhausted, failure.StatusCode);
        Assert.InRange(read, 0, FrameProtocol.InitialWindow);
        Assert.Equal("echo still", await _client.Invoker.AsyncUnaryCall(Echo, null, default, "still"));
    }

    [Fact]
    public async Task UnknownMethod_IsUnimplemented()
    {
        var missing = new Method<string, string>(MethodType.Unary, "test", "Missing", Text, Text);

        var failure = await Assert.ThrowsAsync<RpcException>(async () => await _client!.Invoker.AsyncUnaryCall(missing, null, default, "x"));

        Assert.Equal(StatusCode.Unimplemented, failure.StatusCode);
    }

    [Fact]
    public async Task PeerSendsGarbage_TheConnectionClosesWithWhy_AndItsCallsFail()
    {
        var call = _client!.Invoker.AsyncUnaryCall(Hold, null, default, "x");
        await _holding.Task.WaitAsync(TimeSpan.FromSeconds(60));

        // A frame of kind 99 from the plugin's side: nothing the protocol knows.
        _server!.Send((FrameKind)99, FrameFlags.None, 2, ReadOnlySpan<byte>.Empty);
        var reason = await _client.Closed.WaitAsync(TimeSpan.FromSeconds(60));
        var failure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Contains("broke the fast-lane protocol", reason.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.IsType<FrameConnectionException>(failure.Status.DebugException);
    }

    [Fact]
    public async Task WrongToken_IsRefused()
    {
        var path = Path.Combine(_folder, "other.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        var accepted = listener.AcceptAsync();
        await using var stranger = await FrameConnection.ConnectAsync(path, new string('f', FrameProtocol.TokenLength), null, 1024, CancellationToken.None);

        var server = await FrameConnection.AcceptAsync(await accepted, Token, new FrameHandlers(), 1024, TimeSpan.FromSeconds(60));

        Assert.Null(server);
        await stranger.Closed.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
