using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Hotplug.Cli;

/// <summary>
/// Writes log lines to a file (when the live view owns the terminal) or to standard output (when it is redirected).
/// One record is one line: control characters in a message (a line feed or an escape sequence in a file name, say)
/// are escaped, and an exception's lines are indented, so nothing a plugin or its files say can forge a record or
/// drive the terminal of whoever reads the log.
/// </summary>
internal sealed class FileLoggerProvider : ILoggerProvider
{
    private readonly TextWriter _writer;
    private readonly object _sync = new();

    /// <summary>Appends to the file at <paramref name="path"/>.</summary>
    public FileLoggerProvider(string path)
        : this(new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true })
    {
    }

    /// <summary>Writes to <paramref name="writer"/>, which it disposes.</summary>
    public FileLoggerProvider(TextWriter writer)
    {
        _writer = writer;
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose() => _writer.Dispose();

    private void Write(string line)
    {
        lock (_sync)
        {
            _writer.WriteLine(line);
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = LogText.Escape(formatter(state, exception));
            var line = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.Now:O} {logLevel} {category}[{eventId.Id}] {message}");
            provider.Write(exception is null ? line : line + "\n    " + LogText.EscapeBlock(exception.ToString()));
        }
    }
}
