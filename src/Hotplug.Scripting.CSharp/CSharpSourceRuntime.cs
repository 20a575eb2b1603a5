using System.Text.Json;
using Hotplug.Loading;
using Hotplug.Runtimes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hotplug.Scripting.CSharp;

/// <summary>
/// The <c>csharp</c> runtime: a plugin's C# source files compiled with Roslyn against its contracts,
/// <c>Hotplug.Abstractions</c>, a fixed list of the framework's assemblies and its manifest's <c>references</c>, then
/// loaded as an assembly plugin is. Builds are cached by content hash under <c>&lt;state&gt;/csharp-cache</c>.
/// </summary>
/// <remarks>Trusted code: a C# source plugin runs with the host's full trust. The reference list narrows what compiles; it is not a sandbox.</remarks>
internal sealed class CSharpSourceRuntime : IPluginRuntime
{
    /// <summary>The runtime's name, as manifests write it.</summary>
    public const string RuntimeName = "csharp";

    /// <summary>The cache's folder under the host's state folder.</summary>
    public const string CacheFolder = "csharp-cache";

    private readonly Lazy<SharedAssemblyPolicy> _shared;
    private TimeProvider _time = TimeProvider.System;
    private SourceBuilder _builder = new(null, NullLogger.Instance);

    /// <summary>Creates the runtime; plugins share with the host what assembly plugins share (<see cref="AssemblyRuntimeOptions"/>).</summary>
    public CSharpSourceRuntime(IOptions<AssemblyRuntimeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _shared = new Lazy<SharedAssemblyPolicy>(() => new SharedAssemblyPolicy(options.Value.SharedAssemblies));
    }

    public string Name => RuntimeName;

    /// <summary>Gets what builds the sources: how many it compiled and read from the cache.</summary>
    internal SourceBuilder Builder => _builder;

    public Task InitializeAsync(PluginRuntimeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        _time = context.TimeProvider;
        _builder = new SourceBuilder(new CompileCache(Path.Combine(context.StatePath, CacheFolder)), context.LoggerFactory.CreateLogger("Hotplug.Scripting.CSharp"));
        _ = _shared.Value;
        return Task.CompletedTask;
    }

    /// <summary>Checks the entry; the files it names one by one must be in the package (patterns and folders are matched at start).</summary>
    public IReadOnlyList<string> ReadEntry(JsonElement entry) => CSharpSourceEntry.Read(entry).Files;

    public IPluginVersion Create(PluginVersionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new CSharpSourceVersion(context, CSharpSourceEntry.Read(context.Entry), _builder, _shared.Value, _time);
    }
}
