using Hotplug.Process.Plugin;
using Hotplug.TestContracts;
using Hotplug.TestPlugins.EchoProcess;
using Microsoft.Extensions.Configuration;

// The test contract served from a child process, with no .proto: the same behaviour as the in-process EchoPlugin,
// so the same conformance tests run against both. ProcessEcho is a PluginBase: the same class also loads as an
// assembly plugin (entry.assembly EchoProcessPlugin.dll), which the tests of the programming model do.
if (int.TryParse(Environment.GetEnvironmentVariable("HOTPLUG_CONFIG_startDelayMs"), out var startDelay))
{
    // A plugin slow to start, as its manifest's config asks.
    await Task.Delay(startDelay);
}

// Misbehaviours the host must survive, as the manifest's config (or the test's environment) asks.
switch (Environment.GetEnvironmentVariable("HOTPLUG_CONFIG_testMode"))
{
    case "hugeStdout":
        // 300 MB on standard output, with no line break, where the handshake belongs.
        await Misbehave.WriteHugeLineAsync(Console.OpenStandardOutput(), lineBreak: false);
        await Task.Delay(Timeout.Infinite);
        break;
    case "hugeStderr":
        // One 300 MB line on standard error, then a short one, then it serves.
        await Misbehave.WriteHugeLineAsync(Console.OpenStandardError(), lineBreak: true);
        await Console.Error.WriteLineAsync("after the huge line");
        break;
    case "grandchild":
        // Something the plugin spawns, which must not outlive it; its process id is written where the test looks.
        using (var child = System.Diagnostics.Process.Start("sleep", "600"))
        {
            await File.WriteAllTextAsync(Environment.GetEnvironmentVariable("HOTPLUG_CONFIG_pidFile")!, child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        break;
}

return await GoPluginServer.RunAsync<ProcessEcho>(new GoPluginServerOptions { MagicCookieKey = "HOTPLUG_TEST_PLUGIN", MagicCookieValue = "d3c4f1a0" });

/// <summary>What a misbehaving plugin does.</summary>
internal static class Misbehave
{
    public static async Task WriteHugeLineAsync(Stream stream, bool lineBreak)
    {
        var chunk = new byte[1024 * 1024];
        Array.Fill(chunk, (byte)'x');
        for (var i = 0; i < 300; i++)
        {
            await stream.WriteAsync(chunk);
        }

        if (lineBreak)
        {
            await stream.WriteAsync("\n"u8.ToArray());
        }

        await stream.FlushAsync();
    }

    public static void LastWordsAndExit()
    {
        using var stderr = new StreamWriter(Console.OpenStandardError());
        for (var i = 1; i <= 500; i++)
        {
            stderr.WriteLine($"last words {i}");
        }

        stderr.Flush();
        Environment.Exit(7);
    }
}

/// <summary>
/// Modes for the tests of supervision, deadlines and statuses: <c>status:CODE</c> answers with that gRPC status, as a
/// live plugin may; <c>hold</c> says which process holds the call on standard error and waits until it is cancelled;
/// the config <c>countDelayMs</c> makes <c>CountAsync</c> that slow per item and say on standard error when it starts and when it is cancelled.
/// </summary>
internal static class SupervisionModes
{
    public static ValueTask<EchoReply>? Echo(string text, CancellationToken cancellationToken)
    {
        if (text.StartsWith("status:", StringComparison.Ordinal))
        {
            var code = Enum.Parse<Grpc.Core.StatusCode>(text["status:".Length..], ignoreCase: true);
            throw new Grpc.Core.RpcException(new Grpc.Core.Status(code, $"echo answered {code} itself"));
        }

        return text == "hold" ? new ValueTask<EchoReply>(HoldAsync(cancellationToken)) : null;
    }

    public static SlowStream? SlowCount(IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (!int.TryParse(configuration["countDelayMs"], out var delay))
        {
            return null;
        }

        Console.Error.WriteLine("count started");
        return new SlowStream(TimeSpan.FromMilliseconds(delay), cancellationToken);
    }

    private static async Task<EchoReply> HoldAsync(CancellationToken cancellationToken)
    {
        await Console.Error.WriteLineAsync($"holding a call in process {Environment.ProcessId}");
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Paces a stream; disposed when the stream ends, it says whether that was a cancellation.</summary>
    internal sealed class SlowStream(TimeSpan delay, CancellationToken cancellationToken) : IDisposable
    {
        public Task NextAsync() => Task.Delay(delay, cancellationToken);

        public void Dispose()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine("count cancelled");
            }
        }
    }
}
