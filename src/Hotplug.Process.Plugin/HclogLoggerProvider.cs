using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Plugin;

/// <summary>
/// Writes log entries to standard error as hclog JSON lines (<c>{"@level":"info","@message":"...","@timestamp":"..."}</c>),
/// which go-plugin hosts and Hotplug hosts read into their own logs.
/// </summary>
internal sealed class HclogLoggerProvider : ILoggerProvider
{
    private static readonly object Sync = new();

    // The process's own standard error, taken before the console is sent to the host through plugin.GRPCStdio.
    private readonly TextWriter _stderr = Console.Error;

    public ILogger CreateLogger(string categoryName) => new HclogLogger(categoryName, _stderr);

    public void Dispose()
    {
    }

    private sealed class HclogLogger(string category, TextWriter stderr) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            // Written field by field: no reflection, so plugins can be published with NativeAOT.
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("@level", logLevel switch
                {
                    LogLevel.Trace => "trace",
                    LogLevel.Debug => "debug",
                    LogLevel.Warning => "warn",
                    LogLevel.Error or LogLevel.Critical => "error",
                    _ => "info",
                });
                json.WriteString("@message", formatter(state, exception));
                json.WriteString("@module", category);
                // hclog's own format, which go-plugin hosts parse exactly (six fractional digits): a line whose time
                // they cannot read is logged at debug level only, where nobody sees it.
                json.WriteString("@timestamp", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
                if (exception is not null)
                {
                    json.WriteString("error", exception.ToString());
                }

                json.WriteEndObject();
            }

            var line = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
            lock (Sync)
            {
                stderr.WriteLine(line);
            }
        }
    }
}
