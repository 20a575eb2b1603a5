namespace Hotplug.Process;

/// <summary>
/// The host's end of the stdio transport: one connection that reads the plugin's standard output and writes its
/// standard input. There is only one such pair per process, so the connection cannot be opened twice.
/// </summary>
internal sealed class StdioStream(Stream input, Stream output) : Stream
{
    private int _opened;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Hands the stream out for the one connection it can carry.</summary>
    /// <exception cref="IOException">It was handed out before: its connection broke, and a plugin's standard streams cannot be reopened.</exception>
    public Stream Open() => Interlocked.Exchange(ref _opened, 1) == 0
        ? this
        : throw new IOException("The plugin's stdio connection was closed; the stdio transport carries one connection per process.");

    public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => input.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => output.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => output.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Closing the plugin's standard input tells it the host hung up.
            output.Dispose();
        }

        base.Dispose(disposing);
    }
}
