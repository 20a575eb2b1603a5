using System.Diagnostics;
using Hotplug.Loading;
using Hotplug.Runtimes;
using Microsoft.Extensions.Logging;

namespace Hotplug.Scripting.CSharp;

/// <summary>Turns a version's sources into an assembly to load: from the cache when the same build was made before, else compiled and cached.</summary>
internal sealed partial class SourceBuilder(CompileCache? cache, ILogger logger)
{
    private int _compiles;
    private int _cacheHits;
    private int _corruptEntries;

    /// <summary>Gets how many builds were compiled.</summary>
    public int Compiles => Volatile.Read(ref _compiles);

    /// <summary>Gets how many builds were loaded from the cache.</summary>
    public int CacheHits => Volatile.Read(ref _cacheHits);

    /// <summary>Gets how many cache entries did not match their record and were built again.</summary>
    public int CorruptEntries => Volatile.Read(ref _corruptEntries);

    /// <summary>Builds a version's sources.</summary>
    /// <param name="context">The version.</param>
    /// <param name="entry">Its entry.</param>
    /// <param name="cancellationToken">Stops the build.</param>
    /// <returns>The assembly to load, with its entry type.</returns>
    /// <exception cref="PluginStartException">A source, contract or reference is missing, or the sources do not compile.</exception>
    public CompiledAssembly Build(PluginVersionContext context, CSharpSourceEntry entry, CancellationToken cancellationToken)
    {
        var files = entry.FindFiles(context.PackagePath, context.PluginId);
        var sources = files.Select(f => (Path: f, Bytes: File.ReadAllBytes(Path.Combine(context.PackagePath, f)))).ToList();
        var references = CompileReferences.Find(context.Contracts, entry.References, context.PackagePath, context.PluginId);
        var key = CompileCache.Key(sources, references);

        var corrupt = false;
        var build = cache?.TryRead(key, out corrupt);
        if (build is not null)
        {
            Interlocked.Increment(ref _cacheHits);
            Log.LoadedFromCache(logger, context.PluginId, context.Version, key);
        }
        else
        {
            if (corrupt)
            {
                Interlocked.Increment(ref _corruptEntries);
                Log.CorruptEntry(logger, context.PluginId, context.Version, Path.Combine(cache!.Folder, key));
            }

            build = Compile(context, key, sources, references, cancellationToken);
        }

        return new CompiledAssembly($"the build of entry.sources ({string.Join(", ", files)})", entry.Type, build.Image, build.Symbols, context.PackagePath);
    }

    private SourceBuild Compile(PluginVersionContext context, string key, List<(string Path, byte[] Bytes)> sources, IReadOnlyList<CompileReference> references, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        SourceBuild build;
        try
        {
            // Named after its content: the same sources against the same references make the same assembly, wherever they come from.
            build = SourceCompiler.Compile(
                "Hotplug.CSharp." + key[..16],
                sources,
                references.Select(r => CompileReferences.ToMetadata(r, context.PackagePath)),
                cancellationToken);
        }
        catch (SourceCompileException ex)
        {
            throw new PluginStartException($"the C# sources of '{context.PluginId}' {context.Version} do not compile: {ex.Message}", context.PluginId, ex);
        }
        finally
        {
            Interlocked.Increment(ref _compiles);
        }

        Log.Compiled(logger, context.PluginId, context.Version, sources.Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (cache is not null)
        {
            try
            {
                cache.Write(key, build);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A cache that cannot be written costs the next start a compile, nothing more.
                Log.CacheNotWritten(logger, context.PluginId, context.Version, ex.Message);
            }
        }

        return build;
    }

    private static partial class Log
    {
        [LoggerMessage(1360, LogLevel.Information, "Plugin {PluginId} {Version}: compiled {Files} C# file(s) in {Milliseconds} ms")]
        public static partial void Compiled(ILogger logger, string pluginId, string version, int files, long milliseconds);

        [LoggerMessage(1361, LogLevel.Debug, "Plugin {PluginId} {Version}: build {Key} loaded from the cache, not compiled")]
        public static partial void LoadedFromCache(ILogger logger, string pluginId, string version, string key);

        [LoggerMessage(1362, LogLevel.Warning, "Plugin {PluginId} {Version}: cached build {Entry} does not match the hashes recorded beside it; compiling again")]
        public static partial void CorruptEntry(ILogger logger, string pluginId, string version, string entry);

        [LoggerMessage(1363, LogLevel.Warning, "Plugin {PluginId} {Version}: its build could not be cached ({Reason}); the next start compiles it again")]
        public static partial void CacheNotWritten(ILogger logger, string pluginId, string version, string reason);
    }
}
