using Microsoft.Extensions.Logging;

namespace Hotplug.Cli.Tests;

/// <summary>The log file of <c>hotplug run</c> on a terminal: one record per line, whatever a message holds.</summary>
public sealed class FileLoggerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hotplug-log-tests", Guid.NewGuid().ToString("N")[..10]);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Log_MessageWithLineBreaksAndEscapes_CannotForgeARecord()
    {
        Directory.CreateDirectory(_root);
        var path = Path.Combine(_root, "hotplug.log");
        const string Forged = "2099-01-01T00:00:00.0000000+00:00 Information Hotplug.Host[1002] Plugin forged 6.6.6: Healthy";
        var folder = $"/srv/plugins/evil\n{Forged}\r\n{Forged}\u001b[2J\u2028{Forged}";

        using (var provider = new FileLoggerProvider(path))
        {
            var logger = provider.CreateLogger("Hotplug.Host");
#pragma warning disable CA1848, CA2254 // The message is the point of the test.
            logger.LogWarning($"Plugin folder {folder} is rejected");
            logger.LogError(new InvalidOperationException($"bad name\n{Forged}"), "Plugin failed");
#pragma warning restore CA1848, CA2254
        }

        var lines = File.ReadAllLines(path);
        var records = lines.Where(l => !l.StartsWith(' ')).ToList();
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.DoesNotContain("2099-01-01", r[..10], StringComparison.Ordinal));
        Assert.Contains("evil\\n2099-01-01", records[0]);
        Assert.Contains("\\r\\n", records[0]);
        Assert.Contains("\\u001b[2J", records[0]);
        Assert.Contains("\\u2028", records[0]);
        Assert.DoesNotContain(lines, l => l.StartsWith("2099", StringComparison.Ordinal) || l.Contains('\u001b', StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("    ", StringComparison.Ordinal) && l.Contains("bad name", StringComparison.Ordinal));
    }
}
