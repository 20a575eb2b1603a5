using System.Runtime.CompilerServices;
using Hotplug.TestContracts;

namespace Hotplug.TestPlugins.OldLibrary;

/// <summary>A test plugin that uses an older version of a library than the host and other plugins, and provides two contracts.</summary>
public sealed class OldLibraryPlugin : PluginBase, IEcho, IOther
{
    public ValueTask<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new EchoReply(
            request.Text,
            Context.PluginId,
            Context.Version,
            null,
            typeof(Newtonsoft.Json.JsonConvert).Assembly.GetName().Version?.ToString(),
            null));

    public Task<string> HoldAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult(Context.Version);

    public async IAsyncEnumerable<int> CountAsync(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        yield return count;
    }

    public Task<long> SumAsync(IAsyncEnumerable<int> numbers, CancellationToken cancellationToken = default) => Task.FromResult(-1L);

    public async IAsyncEnumerable<string> ShoutAsync(IAsyncEnumerable<string> words, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        yield return "old";
    }

    public ValueTask<string> WhoAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult($"{Context.PluginId}@{Context.Version}");
}
