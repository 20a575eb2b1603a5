using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Hotplug.Process.Plugin;

/// <summary>Where Kestrel listens on the stdio transport: the process's own standard input and output.</summary>
internal sealed class StdioEndPoint : EndPoint
{
    public override string ToString() => "stdio";
}

/// <summary>
/// A Kestrel transport with one connection: the plugin's standard input (what the host writes) and standard
/// output (what the host reads), for environments where the plugin may open no socket. The connection is handed
/// to Kestrel only once the host has written its first byte, so nothing Kestrel sends can mix with the handshake
/// line the host reads first.
/// </summary>
internal sealed class StdioTransportFactory(Stream input, Stream output) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is StdioEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IConnectionListener>(new Listener(endpoint, input, output));

    private sealed class Listener(EndPoint endpoint, Stream input, Stream output) : IConnectionListener
    {
        private readonly CancellationTokenSource _unbound = new();
        private int _accepted;

        public EndPoint EndPoint => endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
            if (Interlocked.Exchange(ref _accepted, 1) != 0)
            {
                // There is one pair of standard streams: no second connection ever comes.
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                return null;
            }

            var reader = PipeReader.Create(input, new StreamPipeReaderOptions(leaveOpen: true));
            try
            {
                // Wait for the host's first bytes and leave them unread, for Kestrel.
                var first = await reader.ReadAsync(stop.Token).ConfigureAwait(false);
                if (first.IsCompleted && first.Buffer.IsEmpty)
                {
                    return null;
                }

                reader.AdvanceTo(first.Buffer.Start);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            return new StdioConnection(reader, PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true)), endpoint);
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _unbound.Cancel();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _unbound.Cancel();
            _unbound.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class StdioConnection : ConnectionContext, IDuplexPipe
    {
        private readonly CancellationTokenSource _closed = new();

        public StdioConnection(PipeReader input, PipeWriter output, EndPoint endpoint)
        {
            Input = input;
            Output = output;
            Transport = this;
            LocalEndPoint = endpoint;
            RemoteEndPoint = endpoint;
            ConnectionClosed = _closed.Token;
        }

        /// <summary>Gets the process's standard input, as a pipe.</summary>
        public PipeReader Input { get; }

        /// <summary>Gets the process's standard output, as a pipe.</summary>
        public PipeWriter Output { get; }

        public override string ConnectionId { get; set; } = "stdio";

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

        /// <summary>Gets or sets the connection's pipes: the standard streams, or what middleware such as TLS puts over them.</summary>
        public override IDuplexPipe Transport { get; set; }

        public override void Abort(ConnectionAbortedException abortReason)
        {
            Input.CancelPendingRead();
            _closed.Cancel();
        }

        public override async ValueTask DisposeAsync()
        {
            await Input.CompleteAsync().ConfigureAwait(false);
            await Output.CompleteAsync().ConfigureAwait(false);
            _closed.Cancel();
            _closed.Dispose();
        }
    }
}
