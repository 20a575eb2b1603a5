using Hotplug.Scripting.Lua;

namespace Hotplug;

/// <summary>Adds the <c>lua</c> runtime to a Hotplug host.</summary>
public static class HotplugLuaExtensions
{
    /// <summary>
    /// Runs plugins whose manifest says <c>"runtime": "lua"</c>: Lua 5.4 scripts, sandboxed and pooled, each call
    /// bounded by the entry's limits (see docs/script-plugins.md).
    /// </summary>
    /// <param name="builder">The Hotplug builder.</param>
    /// <returns>The builder.</returns>
    public static IHotplugBuilder AddLuaRuntime(this IHotplugBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddRuntime<LuaRuntime>();
    }
}
