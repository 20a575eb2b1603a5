using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Tests;

/// <summary>A plugin's log lines at levels the host does not log are counted and kept for its exit, never parsed and logged.</summary>
public sealed class StderrLevelTests
{
    [Theory]
    [InlineData("""{"@level":"debug","@message":"m"}""", LogLevel.Debug)]
    [InlineData("""{ "@level" : "warn", "@message":"m"}""", LogLevel.Warning)]
    [InlineData("""{"@level":"error","@message":"m","@module":"x"}""", LogLevel.Error)]
    [InlineData("""{"@level":"info","@message":"m"}""", LogLevel.Information)]
    [InlineData("plain text", LogLevel.Information)]
    [InlineData("""{"@message":"m","@level":"error"}""", null)] // not hclog's order: parsed
    [InlineData("""{"x":{"@level":"debug"},"@level":"error"}""", null)]
    [InlineData("""{"@level":"de\"bug"}""", null)]
    [InlineData("""{"@level":"debug""", null)] // cut short
    [InlineData("""{"@level":""", null)]
    public void LevelOf_ReadsHclogsLeadingLevel_OrSaysParse(string line, LogLevel? expected) =>
        Assert.Equal(expected, Hclog.LevelOf(line));

    [Theory]
    [InlineData("""{"@level":"warn","@message":"slow","@module":"echo.db","@timestamp":"2026-12-02T10:00:00Z","ms":12,"q":"a \"b\"","tags":["x",1],"o":{"k":null},"ok":true}""",
        LogLevel.Warning, "slow ms=12 q=a \"b\" tags=[\"x\",1] o={\"k\":null} ok=true", "PluginModule=echo.db ms=12 q=a \"b\" tags=[\"x\",1] o={\"k\":null} ok=True")]
    [InlineData("""{"@message":{"nested":1},"@level":"error"}""", LogLevel.Error, """{"nested":1}""", "")]
    [InlineData("""{"@level":"info","@message":"m"} trailing""", LogLevel.Information, """{"@level":"info","@message":"m"} trailing""", "")]
    [InlineData("""{"@level":"info","msg":"no message"}""", LogLevel.Information, """{"@level":"info","msg":"no message"}""", "")]
    [InlineData("""{"@level":7,"@message":"odd level"}""", LogLevel.Information, "odd level", "")]
    [InlineData("""{"@level":"info","@message":"cut""", LogLevel.Information, """{"@level":"info","@message":"cut""", "")]
    public void Parse_HclogLine_LevelTextAndFields(string line, LogLevel level, string text, string fields)
    {
        var entry = Hclog.Parse(line);

        Assert.Equal(level, entry.Level);
        Assert.Equal(text, entry.Text);
        Assert.Equal(fields, string.Join(' ', entry.Where(f => f.Key is not ("PluginOutput" or "{OriginalFormat}")).Select(f => $"{f.Key}={f.Value}")));
    }

    [Fact]
    public void Forward_HostLogsWarningsAndUp_DebugAndInfoLinesSkipped_ErrorsLogged_AllKeptForTheExit()
    {
        var logged = new List<(LogLevel Level, string Text)>();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddProvider(new Provider(logged)));
        var forwarder = new StderrForwarder(factory.CreateLogger("echo"));

        forwarder.Forward("""{"@level":"debug","@message":"cache miss","key":"a"}""");
        forwarder.Forward("""{"@level":"info","@message":"served","n":1}""");
        forwarder.Forward("""{"@message":"out of order","@level":"error"}""");
        forwarder.Forward("""{"@level":"error","@message":"disk full","free":0}""");

        Assert.Equal([(LogLevel.Error, "out of order"), (LogLevel.Error, "disk full free=0")], logged);
        Assert.Equal(["cache miss key=a", "served n=1", "out of order", "disk full free=0"], forwarder.LastLines.TakeLast(4));
    }

    private sealed class Provider(List<(LogLevel, string)> logged) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(logged);

        public void Dispose()
        {
        }
    }

    private sealed class Logger(List<(LogLevel, string)> logged) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logged.Add((logLevel, formatter(state, exception)));
    }
}
