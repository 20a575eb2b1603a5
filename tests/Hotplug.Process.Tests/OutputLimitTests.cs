using System.Text;
using Grpc.Core;
using Hotplug.TestContracts;
using Hotplug.Wire;

namespace Hotplug.Process.Tests;

/// <summary>Measured alone: the host's allocations are the point.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryCollection
{
    public const string Name = "Host memory";
}

/// <summary>Whatever a plugin prints or sends, the host reads a bounded amount of it.</summary>
[Collection(MemoryCollection.Name)]
public sealed class OutputLimitTests
{
    /// <summary>Far below what reading a 300 MB line costs (600 MB as a string), far above what starting a plugin does.</summary>
    private const long AllocationBound = 50L * 1024 * 1024;

    [Fact]
    public async Task Start_300MBLineOnStdoutBeforeTheHandshake_RefusedWithHP1201AndHostMemoryStaysFlat()
    {
        var options = GoPlugins.Options(o => o.Environment["HOTPLUG_CONFIG_testMode"] = "hugeStdout");
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var error = await Assert.ThrowsAsync<PluginStartException>(() => PluginProcess.StartAsync("chatty", GoPlugins.EchoPlugin, [], options, new ListLogger(), CancellationToken.None));

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(ProcessErrors.HandshakeTooLong, error.Code);
        Assert.Equal("chatty", error.PluginId);
        Assert.Contains("more than 8 KiB on standard output without a line break", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"xxxx", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < AllocationBound, $"the host allocated {allocated / 1024 / 1024} MB");
    }

    [Fact]
    public async Task Start_300MBLineOnStderr_LoggedCutAt64KiBAndHostMemoryStaysFlat()
    {
        var logger = new ListLogger();
        var options = GoPlugins.Options(o => o.Environment["HOTPLUG_CONFIG_testMode"] = "hugeStderr");
        var before = GC.GetTotalAllocatedBytes(precise: true);

        // The plugin writes the line before it serves: its handshake comes once the host has read all of it.
        await using var plugin = await PluginProcess.StartAsync("chatty", GoPlugins.EchoPlugin, [], options, logger, CancellationToken.None);
        await logger.WaitForAsync(m => m == "after the huge line").WaitAsync(TimeSpan.FromSeconds(60));

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        var cut = Assert.Single(logger.Entries, e => e.Message.StartsWith("xxxx", StringComparison.Ordinal));
        Assert.EndsWith($" [... line cut at 64 KiB: {(300 * 1024 * 1024) - LineSplitter.MaxLineBytes} more bytes dropped]", cut.Message, StringComparison.Ordinal);
        Assert.Equal(LineSplitter.MaxLineBytes, cut.Message.IndexOf(' ', StringComparison.Ordinal));
        Assert.True(allocated < AllocationBound, $"the host allocated {allocated / 1024 / 1024} MB");
    }

    [Fact]
    public void Write_ChunksWithoutALineBreak_OneLineCutAtTheLimit()
    {
        // As plugin.GRPCStdio delivers a console written without line breaks: many chunks, one line.
        var lines = new List<string>();
        var splitter = new LineSplitter(lines.Add);
        var chunk = Encoding.UTF8.GetBytes(new string('y', 1000));

        for (var i = 0; i < 10_000; i++)
        {
            splitter.Write(chunk);
        }

        splitter.Write("\r\nnext\r\n"u8);
        splitter.Write("unfinished"u8);
        splitter.Complete();

        Assert.Equal(3, lines.Count);
        Assert.StartsWith(new string('y', LineSplitter.MaxLineBytes) + " [... line cut at 64 KiB: ", lines[0], StringComparison.Ordinal);
        Assert.Equal(["next", "unfinished"], lines[1..]);
    }

    [Fact]
    public async Task Call_AnswerLargerThanMaxReceiveMessageSize_FailsWithResourceExhaustedAndThePluginServesOn()
    {
        var options = GoPlugins.Options(o => o.MaxReceiveMessageSize = 64 * 1024);
        await using var plugin = await PluginProcess.StartAsync("echo", GoPlugins.EchoPlugin, [], options, new ListLogger(), CancellationToken.None);
        var echo = ContractClient.Create<IEcho>(plugin.CallInvoker);

        var error = await Assert.ThrowsAsync<RpcException>(() => echo.EchoAsync(new EchoRequest(new string('z', 128 * 1024))).AsTask());

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("small", (await echo.EchoAsync(new EchoRequest("small"))).Text);
    }
}
