using System.Diagnostics.CodeAnalysis;
using Hotplug.Bus;
using Hotplug.Runtimes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hotplug;

/// <summary>Registers the bus runtime with a Hotplug host.</summary>
public static class HotplugBusExtensions
{
    /// <summary>
    /// Adds the <c>bus</c> runtime: plugins served by members on a NetMQ bus, and the host's <see cref="BusHub"/> (resolve
    /// it from the host's services once the host started) for surveys, work items, publish/subscribe, bus and pair channels.
    /// </summary>
    /// <param name="builder">The Hotplug builder.</param>
    /// <param name="configure">Sets where the hub listens and whom it admits; it admits no one until one of
    /// <see cref="BusHubOptions.TrustedMembersPath"/> or <see cref="BusHubOptions.AllowUnauthenticated"/> is set.</param>
    /// <returns>The builder.</returns>
    [RequiresDynamicCode("Bus contracts are encoded by reflection.")]
    [RequiresUnreferencedCode("Bus contracts read their records by reflection.")]
    public static IHotplugBuilder AddBusRuntime(this IHotplugBuilder builder, Action<BusHubOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        builder.Services.TryAddSingleton<BusRuntime>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPluginRuntime, BusRuntime>(s => s.GetRequiredService<BusRuntime>()));
        builder.Services.TryAddSingleton(s => s.GetRequiredService<BusRuntime>().Hub);
        return builder;
    }
}
