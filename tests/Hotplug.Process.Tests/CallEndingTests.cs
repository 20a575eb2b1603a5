using System.Text.Json.Nodes;
using Grpc.Core;
using Hotplug.TestContracts;

namespace Hotplug.Process.Tests;

/// <summary>
/// How a call into a process plugin through a contract ends: a stream is bounded by the call timeout as a unary call
/// is; a cancellation is a cancellation; a status a live plugin sends is its own error; only a process that is gone
/// makes a crash. (Generated clients: <see cref="ProcessRuntimeTests"/>.)
/// </summary>
public sealed class CallEndingTests
{
    private static readonly JsonObject SlowCount = new() { ["countDelayMs"] = "600000" };

    [Fact]
    public async Task Stream_SlowerThanCallTimeout_EndsWithPluginTimeoutAndTheHandlerIsCancelled()
    {
        await using var host = await EchoHost.StartAsync();
        await host.InstallAsync(callTimeout: "1s", config: SlowCount.DeepClone().AsObject());

        var error = await Assert.ThrowsAsync<PluginTimeoutException>(async () =>
        {
            await foreach (var _ in host.Echo.CountAsync(3).WithCancellation(CancellationToken.None))
            {
            }
        }).WaitAsync(EchoHost.HangGuard);

        Assert.Equal("echo", error.PluginId);
        Assert.Equal(TimeSpan.FromSeconds(1), error.Timeout);
        await host.Logs.WhenLogged("count cancelled").WaitAsync(EchoHost.HangGuard);
        Assert.Equal(0, host.Plugins.GetPlugin("echo")!.InFlight);
    }

    [Fact]
    public async Task Stream_CancelledThroughTheCallsToken_OperationCanceledAndThePluginServesOn()
    {
        await using var host = await EchoHost.StartAsync();
        await host.InstallAsync(config: SlowCount.DeepClone().AsObject());
        var pid = await host.PidAsync();
        using var cancel = new CancellationTokenSource();

        await using var numbers = host.Echo.CountAsync(3, cancel.Token).GetAsyncEnumerator();
        var next = numbers.MoveNextAsync().AsTask();
        await host.Logs.WhenLogged("count started").WaitAsync(EchoHost.HangGuard);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next).WaitAsync(EchoHost.HangGuard);
        await host.Logs.WhenLogged("count cancelled").WaitAsync(EchoHost.HangGuard);
        Assert.Equal(pid, await host.PidAsync());
    }

    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.Internal)]
    [InlineData(StatusCode.Cancelled)]
    public async Task Call_LivePluginAnswersAnErrorStatus_PluginErrorNotCrash(StatusCode code)
    {
        await using var host = await EchoHost.StartAsync();
        await host.InstallAsync();
        var pid = await host.PidAsync();

        var error = await Assert.ThrowsAsync<PluginInvocationException>(() => host.Echo.EchoAsync(new EchoRequest($"status:{code}")).AsTask());

        Assert.Equal("echo", error.PluginId);
        Assert.Equal(code, Assert.IsType<RpcException>(error.InnerException).StatusCode);
        Assert.Contains($"echo answered {code} itself", error.Message, StringComparison.Ordinal);
        Assert.Equal(pid, await host.PidAsync());
    }
}
