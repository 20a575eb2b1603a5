using Bench.Contracts;
using Hotplug;

namespace Bench.Plugin;

/// <summary>
/// The ranker as an assembly plugin: the same code the C# source benchmark compiles at run time
/// (bench/Hotplug.Benchmarks/CSharpScriptBenchmarks.cs), so the two differ only in how they were built.
/// </summary>
public sealed class RankerPlugin : PluginBase, IRanker
{
    /// <inheritdoc />
    public ValueTask<RankReply> RankAsync(RankRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var items = request.Items;
        var ids = new long[items.Count];
        var scores = new double[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            ids[i] = items[i].Id;
            scores[i] = -(items[i].Score + (items[i].Id % 7 == request.UserId % 7 ? 0.5 : 0));
        }

        Array.Sort(scores, ids);
        return new ValueTask<RankReply>(new RankReply(ids));
    }
}
