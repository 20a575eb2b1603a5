using Microsoft.Extensions.DependencyInjection;

namespace Hotplug.Process;

/// <summary>Adds the <c>process</c> runtime to a Hotplug host.</summary>
public static class HotplugProcessExtensions
{
    /// <summary>
    /// Runs plugins whose manifest says <c>"runtime": "process"</c> as supervised child processes speaking
    /// hashicorp go-plugin's gRPC protocol — Go plugins written with go-plugin, and .NET plugins served with
    /// Hotplug.Process.Plugin.
    /// </summary>
    /// <param name="builder">The Hotplug builder.</param>
    /// <param name="configure">Sets <see cref="ProcessRuntimeOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IHotplugBuilder AddProcessRuntime(this IHotplugBuilder builder, Action<ProcessRuntimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<ProcessRuntimeOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder.AddRuntime<ProcessRuntime>();
    }
}
