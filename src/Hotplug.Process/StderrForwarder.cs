using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process;

/// <summary>
/// Reads a plugin's standard error line by line into the host's logger under the plugin's name. Lines that are
/// hclog JSON (what go-plugin plugins write) become log entries at their level with their fields; other lines
/// are logged as they are. The last lines are kept to explain a plugin that dies.
/// </summary>
internal sealed class StderrForwarder
{
    private const int KeepLines = 20;
    private readonly Queue<string> _recent = new();
    private readonly ILogger _logger;

    public StderrForwarder(ILogger logger)
    {
        _logger = logger;
    }

    public string Recent
    {
        get
        {
            lock (_recent)
            {
                return string.Join(Environment.NewLine, _recent);
            }
        }
    }

    public async Task PumpAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            Forward(line);
        }
    }

    public void Forward(string line)
    {
        if (line.Length == 0)
        {
            return;
        }

        var (level, message) = Parse(line);
        lock (_recent)
        {
            _recent.Enqueue(message);
            while (_recent.Count > KeepLines)
            {
                _recent.Dequeue();
            }
        }

        _logger.Log(level, "{PluginOutput}", message);
    }

    /// <summary>Reads an hclog JSON line (<c>{"@level":"info","@message":"...","key":"value"}</c>) into a level and a text.</summary>
    internal static (LogLevel Level, string Message) Parse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return (LogLevel.Information, line);
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("@message", out var message))
            {
                return (LogLevel.Information, line);
            }

            var level = root.TryGetProperty("@level", out var l) ? l.GetString() : null;
            var text = new StringBuilder(message.ToString());
            foreach (var field in root.EnumerateObject().Where(f => !f.Name.StartsWith('@')))
            {
                text.Append(' ').Append(field.Name).Append('=').Append(field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString() : field.Value.GetRawText());
            }

            return (level switch
            {
                "trace" => LogLevel.Trace,
                "debug" => LogLevel.Debug,
                "warn" => LogLevel.Warning,
                "error" => LogLevel.Error,
                _ => LogLevel.Information,
            }, text.ToString());
        }
        catch (JsonException)
        {
            return (LogLevel.Information, line);
        }
    }
}
