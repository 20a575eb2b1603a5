using Hotplug.Runtimes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hotplug;

/// <summary>Registers plugin runtimes with a Hotplug host.</summary>
public static class HotplugRuntimeBuilderExtensions
{
    /// <summary>
    /// Adds a plugin runtime, which runs the plugins whose manifest names it (<c>"runtime"</c>). Runtime packages
    /// call this from their own extension, such as <c>AddProcessRuntime()</c>; the host resolves every runtime
    /// registered so from its services, once, when it starts. Adding the same runtime type twice adds it once.
    /// </summary>
    /// <typeparam name="TRuntime">The runtime, resolved as a singleton with the host's services.</typeparam>
    /// <param name="builder">The Hotplug builder.</param>
    /// <returns>The builder.</returns>
    public static IHotplugBuilder AddRuntime<TRuntime>(this IHotplugBuilder builder)
        where TRuntime : class, IPluginRuntime
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPluginRuntime, TRuntime>());
        return builder;
    }
}
