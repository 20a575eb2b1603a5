using System.Text;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Hotplug.Process.Protocol;
using Microsoft.Extensions.Hosting;

namespace Hotplug.Process.Plugin;

/// <summary>
/// What the plugin writes to <see cref="Console.Out"/> and <see cref="Console.Error"/> once it serves, held for
/// the host's <c>plugin.GRPCStdio/StreamStdio</c> call as go-plugin plugins do: standard output carries the
/// handshake and nothing after it. Written text waits in a bounded buffer until the host reads it; when the
/// host does not (an older go-plugin host), the oldest text is dropped rather than blocking the writer.
/// </summary>
internal sealed class PluginStdio
{
    private const int Capacity = 4096;

    private readonly Channel<StdioData> _pending = Channel.CreateBounded<StdioData>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>Sends <see cref="Console.Out"/> and <see cref="Console.Error"/> to the host from now on.</summary>
    public void Redirect()
    {
        Console.SetOut(new StdioWriter(this, StdioData.Types.Channel.Stdout));
        Console.SetError(new StdioWriter(this, StdioData.Types.Channel.Stderr));
    }

    public void Write(StdioData.Types.Channel channel, string text)
    {
        if (text.Length > 0)
        {
            _pending.Writer.TryWrite(new StdioData { Channel = channel, Data = ByteString.CopyFromUtf8(text) });
        }
    }

    /// <summary>Streams what was written to one reader until it goes away.</summary>
    public async Task CopyToAsync(IServerStreamWriter<StdioData> stream, CancellationToken cancellationToken)
    {
        try
        {
            while (await _pending.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_pending.Reader.TryPeek(out var data))
                {
                    // Taken from the buffer only once written, so a host that reconnects loses nothing.
                    await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                    _pending.Reader.TryRead(out _);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The host hung up or the plugin is stopping.
        }
    }

    /// <summary>
    /// A writer that hands whole writes to the stream and holds single characters until a line ends, so that
    /// <c>Console.WriteLine</c> costs one message, not one per character.
    /// </summary>
    private sealed class StdioWriter(PluginStdio stdio, StdioData.Types.Channel channel) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            _line.Append(value);
            if (value == '\n')
            {
                Flush();
            }
        }

        public override void Write(string? value)
        {
            if (value is null)
            {
                return;
            }

            _line.Append(value);
            Flush();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            _line.Append(buffer, index, count);
            Flush();
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            _line.Append(buffer);
            Flush();
        }

        public override void WriteLine(string? value)
        {
            _line.Append(value).Append(CoreNewLine);
            Flush();
        }

        public override void Flush()
        {
            stdio.Write(channel, _line.ToString());
            _line.Clear();
        }
    }
}

/// <summary>
/// <c>plugin.GRPCStdio/StreamStdio</c>: the host reads the plugin's console output. The stream ends when the
/// plugin stops, so that it does not hold up the server's graceful shutdown.
/// </summary>
internal sealed class PluginStdioService(PluginStdio stdio, IHostApplicationLifetime lifetime) : GRPCStdio.GRPCStdioBase
{
    public override async Task StreamStdio(Google.Protobuf.WellKnownTypes.Empty request, IServerStreamWriter<StdioData> responseStream, ServerCallContext context)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        await stdio.CopyToAsync(responseStream, stop.Token).ConfigureAwait(false);
    }
}
