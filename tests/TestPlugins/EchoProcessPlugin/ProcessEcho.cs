using System.Runtime.CompilerServices;
using Hotplug.TestContracts;
using Microsoft.Extensions.Logging;

namespace Hotplug.TestPlugins.EchoProcess;

/// <summary>
/// Answers as EchoPlugin does, from its <see cref="IPluginContext"/>, whichever runtime hosts it: as a process plugin
/// (<c>GoPluginServer.RunAsync&lt;ProcessEcho&gt;</c>) it calls the host's services through the broker; loaded as an
/// assembly plugin, in process. Text <c>crash</c> kills the process mid-call. The manifest's <c>config.mode</c> chooses
/// a lifecycle: <c>throw-on-start</c>, <c>unhealthy</c>, <c>degraded</c> (described by <c>config.reason</c>; text
/// <c>recover</c> makes it healthy again, in the same instance), <c>count-on-start</c> (calls the host's counter while it starts).
/// </summary>
public sealed class ProcessEcho : PluginBase, IEcho, IOther
{
    private ICounterService? _counter;
    private IHoldService? _hold;
    private ISecretService? _secret;
    private volatile bool _recovered;

    private string Mode => Context.Configuration["mode"] ?? "normal";

    protected override ValueTask OnStartAsync(CancellationToken cancellationToken)
    {
        _counter = Context.HostServices.GetService(typeof(ICounterService)) as ICounterService;
        _hold = Context.HostServices.GetService(typeof(IHoldService)) as IHoldService;
        _secret = Context.HostServices.GetService(typeof(ISecretService)) as ISecretService;
        switch (Mode)
        {
            case "throw-on-start":
                throw new InvalidOperationException("configured to fail on start");
            case "count-on-start":
                // The host is reachable while the plugin starts, in process or not.
                (_counter ?? throw new InvalidOperationException("the host exports no ICounterService")).Increment();
                break;
        }

        Logger.LogInformation("echo {Version} started in process {ProcessId}", Context.Version, Environment.ProcessId);
        return ValueTask.CompletedTask;
    }

    public override ValueTask<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Mode switch
    {
        "unhealthy" => PluginHealth.Unhealthy("configured to be unhealthy"),
        "degraded" when !_recovered => PluginHealth.Degraded(Context.Configuration["reason"] ?? "configured to be degraded"),
        _ => PluginHealth.Healthy(),
    });

    public override ValueTask StopAsync(CancellationToken cancellationToken)
    {
        // After the host signalled Stopping, in process or not.
        Logger.LogInformation("echo {Version} stopped; stopping was cancelled: {Stopping}", Context.Version, Context.Stopping.IsCancellationRequested);
        return ValueTask.CompletedTask;
    }

    public ValueTask<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken = default)
    {
        if (SupervisionModes.Echo(request.Text, cancellationToken) is { } answer)
        {
            return answer;
        }

        switch (request.Text)
        {
            case "throw":
                throw new InvalidOperationException("echo was asked to throw");
            case "hang":
                return new ValueTask<EchoReply>(new TaskCompletionSource<EchoReply>().Task);
            case "wait":
                return WaitAsync(cancellationToken);
            case "crash":
                Environment.Exit(3);
                break;
            case "crash-loud":
                // Many lines of standard error straight to the pipe (not through plugin.GRPCStdio), then an exit: the
                // host must read them all before it says why the plugin exited.
                Misbehave.LastWordsAndExit();
                break;
            case "recover":
                // Its next health check reports healthy: the same instance, in the same process.
                _recovered = true;
                return ValueTask.FromResult(new EchoReply("recovered", Context.PluginId, Context.Version, null, null, null));
            case "pid":
                // Which process of a pool answered.
                return ValueTask.FromResult(new EchoReply(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), Context.PluginId, Context.Version, null, null, null));
        }

        return ValueTask.FromResult(new EchoReply(
            _secret?.Secret() ?? request.Text,
            Context.PluginId,
            Context.Version,
            Context.Configuration["greeting"],
            typeof(Newtonsoft.Json.JsonConvert).Assembly.GetName().Version?.ToString(),
            _counter?.Increment()));
    }

    public async Task<string> HoldAsync(string key, CancellationToken cancellationToken = default)
    {
        var hold = _hold ?? throw new InvalidOperationException("the host exports no IHoldService");
        await hold.WaitAsync(key, cancellationToken);
        return Context.Version;
    }

    public async IAsyncEnumerable<int> CountAsync(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var slow = SupervisionModes.SlowCount(Context.Configuration, cancellationToken);
        for (var i = 1; i <= count; i++)
        {
            if (slow is null)
            {
                await Task.Yield();
            }
            else
            {
                await slow.NextAsync();
            }

            yield return i;
        }
    }

    public async Task<long> SumAsync(IAsyncEnumerable<int> numbers, CancellationToken cancellationToken = default)
    {
        long sum = 0;
        await foreach (var n in numbers.WithCancellation(cancellationToken))
        {
            sum += n;
        }

        return sum;
    }

    public async IAsyncEnumerable<string> ShoutAsync(IAsyncEnumerable<string> words, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var word in words.WithCancellation(cancellationToken))
        {
            yield return word.ToUpperInvariant();
        }
    }

    public ValueTask<string> WhoAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult($"{Context.PluginId}@{Context.Version}");

    private async ValueTask<EchoReply> WaitAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return new EchoReply("waited", Context.PluginId, Context.Version, null, null, null);
    }
}
