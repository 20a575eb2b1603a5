namespace Hotplug.Scripting.JavaScript;

/// <summary>Adds the <c>javascript</c> runtime to a Hotplug host.</summary>
public static class HotplugJavaScriptExtensions
{
    /// <summary>
    /// Runs plugins whose manifest says <c>"runtime": "javascript"</c>: a script that implements contracts with one
    /// function per operation (<c>RankAsync</c> is <c>rank</c>), run by Jint in a pool of sandboxed engines that see
    /// only ECMAScript's built-ins and <c>plugin</c>, <c>config</c>, <c>log</c>, <c>state</c> and <c>services</c>.
    /// </summary>
    /// <param name="builder">The Hotplug builder.</param>
    /// <returns>The builder.</returns>
    public static IHotplugBuilder AddJavaScriptRuntime(this IHotplugBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddRuntime<JavaScriptRuntime>();
    }
}
