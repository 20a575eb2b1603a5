using Hotplug.Runtimes;

namespace Hotplug.Scripting.CSharp;

/// <summary>Adds the <c>csharp</c> runtime to a Hotplug host.</summary>
public static class HotplugCSharpScriptExtensions
{
    /// <summary>
    /// Runs plugins whose manifest says <c>"runtime": "csharp"</c>: their C# source files are compiled with Roslyn when a
    /// version starts (or read from the cache under the host's state folder, by content hash) and loaded in a collectible
    /// load context of their own, as assembly plugins are, with the same verified unload.
    /// </summary>
    /// <remarks>
    /// A C# source plugin is trusted code: it runs with the host's full trust. It compiles only against its contracts,
    /// <c>Hotplug.Abstractions</c>, a fixed list of framework assemblies and its manifest's <c>references</c>, which
    /// narrows what it can name, but is no sandbox. What it shares with the host is what assembly plugins share
    /// (<see cref="AssemblyRuntimeOptions.SharedAssemblies"/>).
    /// </remarks>
    /// <param name="builder">The Hotplug builder.</param>
    /// <returns>The builder.</returns>
    public static IHotplugBuilder AddCSharpScriptRuntime(this IHotplugBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddRuntime<CSharpSourceRuntime>();
    }
}
