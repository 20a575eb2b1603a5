using Hotplug.Process;
#if !HOTPLUG_BUILD_HELPER
using Hotplug.Scripting.CSharp;
using Hotplug.Scripting.JavaScript;
using Hotplug.Scripting.Lua;
#endif
using Hotplug.Runtimes;
using Microsoft.Extensions.DependencyInjection;

namespace Hotplug.Cli;

/// <summary>
/// The runtimes <c>hotplug run</c> hosts with, for <c>pack</c>, <c>sign</c> and <c>verify</c> to check each manifest's
/// <c>entry</c> as that host would: a package these accept is not then refused for its entry.
/// </summary>
internal static class ToolRuntimes
{
    public static IReadOnlyList<IPluginRuntime> Create()
    {
        var services = new ServiceCollection();
        services.AddLogging();
#if HOTPLUG_BUILD_HELPER
        services.AddHotplug().AddProcessRuntime();
#else
        services.AddHotplug().AddProcessRuntime().AddLuaRuntime().AddJavaScriptRuntime().AddCSharpScriptRuntime().AddBusRuntime();
#endif

        // Runtimes only read entries here: nothing of theirs is started, so the provider need not outlive this.
        using var provider = services.BuildServiceProvider();
        return [.. provider.GetServices<IPluginRuntime>()];
    }
}
