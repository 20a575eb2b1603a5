using System.Text;

namespace Hotplug.Process;

/// <summary>
/// Cuts what a plugin writes (its standard output and error, or <c>plugin.GRPCStdio</c> chunks) into lines of at
/// most <see cref="MaxLineBytes"/> bytes, whatever the plugin sends: the part of a longer line past the limit is
/// counted and dropped, and the line ends with a note saying how much was dropped. The host's memory for a plugin's
/// output is bounded by the limit, not by what the plugin prints.
/// </summary>
internal sealed class LineSplitter(Action<string> emit)
{
    /// <summary>The longest line kept from a plugin's output, in bytes of UTF-8: 64 KiB.</summary>
    public const int MaxLineBytes = 64 * 1024;

    private byte[] _line = new byte[256];
    private int _length;
    private long _dropped;

    /// <summary>Takes the next bytes the plugin wrote; emits each line they complete.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var end = data.IndexOf((byte)'\n');
            var part = end < 0 ? data : data[..end];
            Append(part);
            if (end < 0)
            {
                return;
            }

            Flush();
            data = data[(end + 1)..];
        }
    }

    /// <summary>The plugin stopped writing: emits what is left of its last line, if anything.</summary>
    public void Complete()
    {
        if (_length > 0 || _dropped > 0)
        {
            Flush();
        }
    }

    private void Append(ReadOnlySpan<byte> part)
    {
        var room = MaxLineBytes - _length;
        var kept = Math.Min(room, part.Length);
        if (kept > 0)
        {
            if (_length + kept > _line.Length)
            {
                Array.Resize(ref _line, Math.Min(MaxLineBytes, Math.Max(_line.Length * 2, _length + kept)));
            }

            part[..kept].CopyTo(_line.AsSpan(_length));
            _length += kept;
        }

        _dropped += part.Length - kept;
    }

    private void Flush()
    {
        var length = _length > 0 && _line[_length - 1] == '\r' && _dropped == 0 ? _length - 1 : _length;
        var text = Encoding.UTF8.GetString(_line, 0, length);
        if (_dropped > 0)
        {
            // The cut may have split a character; its first bytes decode as a replacement character.
            text = text.TrimEnd('\uFFFD') + $" [... line cut at {MaxLineBytes / 1024} KiB: {_dropped} more bytes dropped]";
        }

        _length = 0;
        _dropped = 0;
        if (_line.Length > 4096)
        {
            // One long line does not keep its buffer for the life of the process.
            _line = new byte[256];
        }

        emit(text);
    }

    /// <summary>Reads <paramref name="stream"/> to its end through <paramref name="splitter"/>, after the bytes already read from it.</summary>
    public static async Task PumpAsync(Stream stream, ReadOnlyMemory<byte> alreadyRead, LineSplitter splitter)
    {
        splitter.Write(alreadyRead.Span);
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                splitter.Write(buffer.AsSpan(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The pipe was closed under the reader: the process was disposed.
        }

        splitter.Complete();
    }
}
