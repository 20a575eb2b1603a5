using Hotplug.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Hotplug;

/// <summary>Adds Hotplug to an application's services.</summary>
public static class HotplugServiceCollectionExtensions
{
    /// <summary>
    /// Adds a Hotplug host: <see cref="IPluginHost"/> as a singleton and a hosted service that discovers,
    /// loads and reconciles plugins while the application runs.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets <see cref="HotplugOptions"/>; validated when the host starts.</param>
    /// <returns>A builder to export host services to plugins.</returns>
    public static IHotplugBuilder AddHotplug(this IServiceCollection services, Action<HotplugOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<HotplugOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ServiceExports>();
        services.TryAddSingleton<PluginHost>();
        services.TryAddSingleton<IPluginHost>(sp => sp.GetRequiredService<PluginHost>());
        services.AddHostedService(sp => sp.GetRequiredService<PluginHost>());
        return new HotplugBuilder(services);
    }

    /// <summary>
    /// Adds a plugin runtime, which runs the plugins whose manifest names it (<c>"runtime"</c>). Runtime packages
    /// call this from their own extension, such as <c>AddProcessRuntime()</c>.
    /// </summary>
    /// <typeparam name="TRuntime">The runtime.</typeparam>
    /// <param name="builder">The Hotplug builder.</param>
    /// <returns>The builder.</returns>
    public static IHotplugBuilder AddRuntime<TRuntime>(this IHotplugBuilder builder)
        where TRuntime : class, Runtimes.IPluginRuntime
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<Runtimes.IPluginRuntime, TRuntime>();
        return builder;
    }

    private sealed class HotplugBuilder(IServiceCollection services) : IHotplugBuilder
    {
        public IServiceCollection Services { get; } = services;

        public IHotplugBuilder ExportService<TService>()
            where TService : class
        {
            Services.Configure<ServiceExportOptions>(o => o.Types.Add(typeof(TService)));
            return this;
        }
    }
}
