using System.Runtime.CompilerServices;
using Hotplug.TestContracts;

namespace Hotplug.CSharpPlugins.Echo;

/// <summary>Hands out <see cref="IStreams"/> when the manifest lists <c>test.stream/v1</c>.</summary>
public sealed partial class EchoPlugin : IPlugin
{
    private EchoStreams? _streams;

    object? IPlugin.GetContract(Type contractType) =>
        contractType == typeof(IStreams) ? _streams ??= new EchoStreams(this)
        : contractType.IsInstanceOfType(this) ? this
        : null;

    internal T HostService<T>()
        where T : class =>
        Context.HostServices.GetService(typeof(T)) as T ?? throw new InvalidOperationException($"the host exports no {typeof(T).Name}");
}

/// <summary>The streams of <see cref="IStreams"/>, calling back into the host's services.</summary>
internal sealed class EchoStreams(EchoPlugin plugin) : IStreams
{
    public async IAsyncEnumerable<string> FloodAsync(int size, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var counter = plugin.HostService<ICounterService>();
        var padding = new string('x', Math.Max(0, size));
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            counter.Increment();
            await Task.Yield();
            yield return padding;
        }
    }

    public async IAsyncEnumerable<string> FollowAsync(string key, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return "started";
        await plugin.HostService<IHoldService>().WaitAsync(key, cancellationToken).ConfigureAwait(false);
        yield return "released";
    }
}
