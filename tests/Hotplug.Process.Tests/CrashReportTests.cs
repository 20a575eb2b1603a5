using System.Numerics;
using Hotplug.TestContracts;
using Hotplug.Wire;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Tests;

/// <summary>What the host says of a plugin that died, and of its output: the last words, exact numbers, one warning.</summary>
public sealed class CrashReportTests
{
    [Fact]
    public async Task Crash_PluginWritesManyLinesThenExits_ReasonIsTheExitCodeAndItsLastLines()
    {
        var quarantined = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var supervision = new SupervisionOptions { MaxFailures = 1 };
        await using var supervisor = new ProcessSupervisor(
            "loud",
            // A logger as slow as a console on a busy machine: the host is still reading the plugin's standard error
            // when it notices the exit.
            ct => PluginProcess.StartAsync("loud", GoPlugins.EchoPlugin, [], GoPlugins.Options(), new ListLogger { Delay = TimeSpan.FromMilliseconds(1) }, ct),
            supervision,
            TimeProvider.System,
            new ListLogger());
        supervisor.StateChanged += (_, change) =>
        {
            if (change.State == SupervisorState.Quarantined)
            {
                quarantined.TrySetResult(change.Reason);
            }
        };
        await supervisor.StartAsync(CancellationToken.None);
        var echo = ContractClient.Create<IEcho>(supervisor.Current!.CallInvoker);

        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => echo.EchoAsync(new EchoRequest("crash-loud")).AsTask());
        await quarantined.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var reason = Assert.Single(supervisor.Failures).Reason;
        Assert.StartsWith("exited with code 7", reason, StringComparison.Ordinal);
        // Its last words, not whatever the reader had reached when the exit was noticed.
        Assert.EndsWith("last words 500", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("last words 495", reason, StringComparison.Ordinal);
        // Short: one line, not twenty.
        Assert.DoesNotContain('\n', reason);
    }

    [Fact]
    public async Task ExitReason_PluginExited_TheCodeThenTheLastLines()
    {
        await using var plugin = await PluginProcess.StartAsync("loud", GoPlugins.EchoPlugin, [], GoPlugins.Options(), new ListLogger { Delay = TimeSpan.FromMilliseconds(1) }, CancellationToken.None);
        var echo = ContractClient.Create<IEcho>(plugin.CallInvoker);

        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => echo.EchoAsync(new EchoRequest("crash-loud")).AsTask());
        await plugin.WaitForExitAsync(CancellationToken.None);

        Assert.Equal("exited with code 7; last lines: last words 496 | last words 497 | last words 498 | last words 499 | last words 500", plugin.ExitReason);
    }

    [Fact]
    public void Parse_HclogNumbers_IntegersKeptExactAsIntegers()
    {
        var entry = Hclog.Parse("""{"@level":"info","@message":"sizes","count":42,"negative":-7,"max":18446744073709551615,"huge":123456789012345678901234567890,"ratio":1.5,"exp":1e3}""");

        var fields = entry.ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal(42L, Assert.IsType<long>(fields["count"]));
        Assert.Equal(-7L, Assert.IsType<long>(fields["negative"]));
        Assert.Equal(ulong.MaxValue, Assert.IsType<ulong>(fields["max"]));
        Assert.Equal(BigInteger.Parse("123456789012345678901234567890", System.Globalization.CultureInfo.InvariantCulture), Assert.IsType<BigInteger>(fields["huge"]));
        Assert.Equal(1.5, Assert.IsType<double>(fields["ratio"]));
        Assert.Equal(1000.0, Assert.IsType<double>(fields["exp"]));
        Assert.Equal("sizes count=42 negative=-7 max=18446744073709551615 huge=123456789012345678901234567890 ratio=1.5 exp=1e3", entry.Text);
    }

    [Fact]
    public async Task Start_SameVersionStartedAgain_NoGrpcStdioWarnedOnce()
    {
        // The options of one version are shared by its pool and its restarts.
        var logger = new ListLogger();
        var options = GoPlugins.Options();

        for (var i = 0; i < 2; i++)
        {
            await using var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], options, logger, CancellationToken.None);
            await plugin.ConsoleForwarded.WaitAsync(TimeSpan.FromSeconds(60));
        }

        var warning = Assert.Single(logger.Entries, e => e.Message.Contains("plugin.GRPCStdio", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, warning.Level);
    }
}
