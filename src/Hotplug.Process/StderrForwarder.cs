using System.Diagnostics;
using Grpc.Core;
using Hotplug.Process.Protocol;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process;

/// <summary>
/// Reads a plugin's standard error line by line into the host's logger under the plugin's name. Lines that are
/// hclog JSON (what go-plugin plugins write) become log entries at their level with their fields; other lines
/// are logged as they are. The last lines are kept to explain a plugin that dies. What the plugin writes to its
/// console once it serves arrives through <c>plugin.GRPCStdio</c> and is logged the same way.
/// </summary>
internal sealed class StderrForwarder
{
    private const int KeepLines = 20;

    /// <summary>How many of the last lines explain an exit, and how much of each.</summary>
    private const int ExplainLines = 5;
    private const int ExplainLineLength = 300;

    private readonly Queue<string> _recent = new();
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _forwarded;

    public StderrForwarder(ILogger logger)
    {
        _logger = logger;
    }

    /// <summary>Gets the last lines of standard error kept (at most 20), oldest first.</summary>
    public string Recent
    {
        get
        {
            lock (_recent)
            {
                return string.Join(Environment.NewLine, _recent.Select(Hclog.Parse).Select(e => e.Text));
            }
        }
    }

    /// <summary>Gets the plugin's last few lines of standard error, each shortened, oldest first: its last words, to explain an exit.</summary>
    public IReadOnlyList<string> LastLines
    {
        get
        {
            lock (_recent)
            {
                return [.. _recent.Skip(Math.Max(0, _recent.Count - ExplainLines)).Select(Hclog.Parse).Select(e => e.Text).Select(l => l.Length <= ExplainLineLength ? l : l[..(ExplainLineLength - 3)] + "...")];
            }
        }
    }

    /// <summary>Gets a task that completes once standard error has been read to its end (the plugin and everything that shared the pipe exited).</summary>
    public Task Drained => _drained.Task;

    /// <summary>
    /// Waits for standard error to be read to its end, after the plugin exited, so that <see cref="LastLines"/> are its
    /// last words: as long as reading makes progress (a slow logger may lag behind a plugin that wrote much), but no
    /// longer than <paramref name="quiet"/> without a line — a process the plugin spawned and that left its group may
    /// hold the pipe open — nor <paramref name="limit"/> in all.
    /// </summary>
    public async Task DrainAsync(TimeSpan quiet, TimeSpan limit)
    {
        var started = Stopwatch.GetTimestamp();
        while (!_drained.Task.IsCompleted && Stopwatch.GetElapsedTime(started) < limit)
        {
            var before = Volatile.Read(ref _forwarded);
            await Task.WhenAny(_drained.Task, Task.Delay(quiet)).ConfigureAwait(false);
            if (Volatile.Read(ref _forwarded) == before)
            {
                return;
            }
        }
    }

    /// <summary>Reads the plugin's standard error to its end, in lines of at most <see cref="LineSplitter.MaxLineBytes"/>.</summary>
    public async Task PumpAsync(Stream stderr)
    {
        try
        {
            await LineSplitter.PumpAsync(stderr, ReadOnlyMemory<byte>.Empty, new LineSplitter(Forward)).ConfigureAwait(false);
        }
        finally
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>
    /// Reads <c>plugin.GRPCStdio/StreamStdio</c> into the log until the plugin stops. A plugin without the service
    /// (go-plugin before 1.3) gets one warning per <paramref name="notices"/> (one per plugin version, however often
    /// its processes restart), as go-plugin's own host gives, and serves on.
    /// </summary>
    public async Task PumpStdioAsync(CallInvoker invoker, string pluginId, PluginNotices notices, CancellationToken cancellationToken)
    {
        var stdout = new LineSplitter(line => Emit(line, isError: false));
        var stderr = new LineSplitter(line => Emit(line, isError: true));
        try
        {
            using var call = new GRPCStdio.GRPCStdioClient(invoker).StreamStdio(new Google.Protobuf.WellKnownTypes.Empty(), cancellationToken: cancellationToken);
            await foreach (var data in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                (data.Channel == StdioData.Types.Channel.Stderr ? stderr : stdout).Write(data.Data.Span);
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            if (notices.First(PluginNotices.NoGrpcStdio))
            {
                _logger.LogWarning("Plugin {PluginId} does not serve plugin.GRPCStdio (go-plugin before 1.3): what it prints to its console after the handshake is not forwarded", pluginId);
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The plugin stopped or died; its exit is reported where it is supervised.
        }

        stdout.Complete();
        stderr.Complete();
    }

    private void Emit(string line, bool isError)
    {
        if (isError)
        {
            Forward(line);
        }
        else if (line.Length > 0)
        {
            _logger.Log(LogLevel.Information, StdoutEvent, "{PluginStdout}", line);
        }
    }

    /// <summary>The event under which a plugin's standard output, read through <c>plugin.GRPCStdio</c>, is logged.</summary>
    internal static readonly EventId StdoutEvent = new(1, "PluginStdout");

    /// <summary>The event under which output a plugin printed past its handshake straight to the pipe is logged.</summary>
    internal static readonly EventId StdoutPipeEvent = new(2, "PluginStdoutPipe");

    public void Forward(string line)
    {
        if (line.Length == 0)
        {
            return;
        }

        Interlocked.Increment(ref _forwarded);
        lock (_recent)
        {
            // Kept as written: read into text only when an exit is explained.
            _recent.Enqueue(line);
            while (_recent.Count > KeepLines)
            {
                _recent.Dequeue();
            }
        }

        // A plugin may log a line per call: a level the host does not log costs a scan for "@level", nothing more.
        if (Hclog.LevelOf(line) is { } level && !_logger.IsEnabled(level))
        {
            return;
        }

        var entry = Hclog.Parse(line);
        _logger.Log(entry.Level, default, entry, null, static (e, _) => e.Text);
    }
}
