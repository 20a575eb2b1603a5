using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Hotplug.Cli;

/// <summary>
/// Appends log lines to a file, for when the live view owns the terminal. One record is one line: control
/// characters in a message (a line feed in a file name, say) are escaped, and an exception's lines are indented,
/// so nothing a plugin or its files say can forge a record.
/// </summary>
internal sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private readonly StreamWriter _writer = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    private readonly object _sync = new();

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
