// The kit's echo plugin as C# source, compiled by the csharp runtime (the same behaviour as tests/TestPlugins/EchoPlugin).
using System.Runtime.CompilerServices;
using Hotplug.TestContracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Hotplug.CSharpPlugins.Echo;

/// <summary>
/// A test plugin whose misbehaviour is chosen by its manifest's <c>config.mode</c>: <c>throw-on-start</c>,
/// <c>hang-on-start</c>, <c>unhealthy</c>, <c>health-hangs-after-start</c>, <c>leak</c>, <c>throw-on-stop</c>; and, held by
/// the host's exported <see cref="IHoldService"/> until a test releases them, <c>hold-on-start</c> (key
/// <c>start:&lt;id&gt;</c>) and <c>health-holds-after-start</c> (key <c>health:&lt;id&gt;</c>, then unhealthy); <c>degraded</c>
/// (described by <c>config.reason</c>; text <c>recover</c> makes it healthy again, in the same instance).
/// </summary>
public sealed partial class EchoPlugin : PluginBase, IEcho
{
    private string Mode => Context.Configuration["mode"] ?? "normal";

    protected override async ValueTask OnStartAsync(CancellationToken cancellationToken)
    {
        switch (Mode)
        {
            case "throw-on-start":
                throw new InvalidOperationException("configured to fail on start");
            case "hang-on-start":
                await new TaskCompletionSource().Task.ConfigureAwait(false);
                break;
            case "hold-on-start":
                await Holds.WaitAsync("start:" + Context.PluginId, cancellationToken).ConfigureAwait(false);
                break;
            case "leak":
                lock (LeakTrap.Held)
                {
                    LeakTrap.Held.Add(this);
                }

                break;
        }

        Logger.LogInformation("echo {Version} started", Context.Version);
    }

    private int _healthChecks;
    private volatile bool _recovered;

    private IHoldService Holds => (IHoldService?)Context.HostServices.GetService(typeof(IHoldService))
        ?? throw new InvalidOperationException("the host exports no IHoldService");

    public override ValueTask<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken) => Mode switch
    {
        // Healthy at its start; then each check waits until the test releases it, and reports unhealthy.
        "health-holds-after-start" when Interlocked.Increment(ref _healthChecks) > 1 => HeldHealthAsync(cancellationToken),
        "unhealthy" => ValueTask.FromResult(PluginHealth.Unhealthy("configured to be unhealthy")),
        "degraded" when !_recovered => ValueTask.FromResult(PluginHealth.Degraded(Context.Configuration["reason"] ?? "configured to be degraded")),

        // Healthy at its start, then a health check that never answers and ignores its token, as a hung plugin's.
        "health-hangs-after-start" when Interlocked.Increment(ref _healthChecks) > 1 => new ValueTask<PluginHealth>(new TaskCompletionSource<PluginHealth>().Task),
        _ => ValueTask.FromResult(PluginHealth.Healthy()),
    };

    public override ValueTask StopAsync(CancellationToken cancellationToken) =>
        Mode == "throw-on-stop" ? throw new InvalidOperationException("configured to fail on stop") : ValueTask.CompletedTask;

    public ValueTask<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken = default)
    {
        switch (request.Text)
        {
            case "throw":
                throw new InvalidOperationException("echo was asked to throw");
            case "hang":
                return new ValueTask<EchoReply>(new TaskCompletionSource<EchoReply>().Task);
            case "wait":
                return WaitAsync(cancellationToken);
            case "recover":
                // Its next health check reports healthy: the same instance.
                _recovered = true;
                return ValueTask.FromResult(new EchoReply("recovered", Context.PluginId, Context.Version, null, null, null));
        }

        var counter = Context.HostServices.GetService(typeof(ICounterService)) is ICounterService c ? c.Increment() : (int?)null;
        var secret = Context.HostServices.GetService(typeof(ISecretService)) is ISecretService s ? s.Secret() : null;
        return ValueTask.FromResult(new EchoReply(
            secret ?? request.Text,
            Context.PluginId,
            Context.Version,
            Context.Configuration["greeting"],
            "csharp source",
            counter));
    }

    public async Task<string> HoldAsync(string key, CancellationToken cancellationToken = default)
    {
        var hold = (IHoldService?)Context.HostServices.GetService(typeof(IHoldService))
            ?? throw new InvalidOperationException("the host exports no IHoldService");
        await hold.WaitAsync(key, cancellationToken).ConfigureAwait(false);
        return Context.Version;
    }

    public async IAsyncEnumerable<int> CountAsync(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 1; i <= count; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    public async Task<long> SumAsync(IAsyncEnumerable<int> numbers, CancellationToken cancellationToken = default)
    {
        long sum = 0;
        await foreach (var n in numbers.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            sum += n;
        }

        return sum;
    }

    public async IAsyncEnumerable<string> ShoutAsync(IAsyncEnumerable<string> words, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var word in words.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return word.ToUpperInvariant();
        }
    }

    private async ValueTask<PluginHealth> HeldHealthAsync(CancellationToken cancellationToken)
    {
        await Holds.WaitAsync("health:" + Context.PluginId, cancellationToken).ConfigureAwait(false);
        return PluginHealth.Unhealthy("released by the test");
    }

    private async ValueTask<EchoReply> WaitAsync(CancellationToken cancellationToken)
    {
        // Honours cancellation: used to prove the caller's token reaches the plugin.
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        return new EchoReply("waited", Context.PluginId, Context.Version, null, null, null);
    }
}
