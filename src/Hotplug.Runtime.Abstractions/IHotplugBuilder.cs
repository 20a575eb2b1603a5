using Microsoft.Extensions.DependencyInjection;

namespace Hotplug;

/// <summary>
/// Configures a Hotplug host registered with <c>services.AddHotplug()</c>: runtime packages extend it with their
/// <c>AddXxxRuntime()</c> (see <see cref="HotplugRuntimeBuilderExtensions.AddRuntime{TRuntime}"/>).
/// </summary>
public interface IHotplugBuilder
{
    /// <summary>Gets the application's service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Exports the host's <typeparamref name="TService"/> to plugins through <see cref="IPluginContext.HostServices"/>.
    /// Plugins can resolve only exported services.
    /// </summary>
    /// <typeparam name="TService">
    /// The service type, registered in the host's container. It must be visible to plugins: declare it in a
    /// contract assembly shared by host and plugins.
    /// </typeparam>
    /// <returns>This builder.</returns>
    IHotplugBuilder ExportService<TService>() where TService : class;
}
