using Hotplug.Hosting;
using Hotplug.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hotplug;

/// <summary>Adds Hotplug to an application's services.</summary>
public static class HotplugServiceCollectionExtensions
{
    /// <summary>
    /// Adds a Hotplug host: <see cref="IPluginHost"/> as a singleton and a hosted service that discovers,
    /// loads and reconciles plugins while the application runs; beside it <see cref="IPluginInvoker"/> (calls by
    /// name), <see cref="IPluginAdmin"/> (rescans, rollbacks) and <see cref="IPluginSlots"/> (for runtimes); and the
    /// <c>assembly</c> runtime, on by default (<c>DisableRuntime("assembly")</c> turns in-process loading off).
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets <see cref="HotplugOptions"/>; validated when the host starts.</param>
    /// <returns>A builder to add runtimes and export host services to plugins.</returns>
    public static IHotplugBuilder AddHotplug(this IServiceCollection services, Action<HotplugOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<HotplugOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HotplugOptions>, HotplugOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ServiceExports>();
        services.TryAddSingleton<PluginHost>();
        services.TryAddSingleton<IPluginHost>(sp => sp.GetRequiredService<PluginHost>());
        services.TryAddSingleton<IPluginSlots>(sp => sp.GetRequiredService<PluginHost>());
        services.TryAddSingleton<IPluginInvoker>(sp => sp.GetRequiredService<PluginHost>().Invoker);
        services.TryAddSingleton<IPluginAdmin>(sp => sp.GetRequiredService<PluginHost>().Admin);
        services.AddHostedService(sp => sp.GetRequiredService<PluginHost>());

        // The one runtime the core knows of, and only to add it by default: in-process loading.
        var builder = new HotplugBuilder(services);
        builder.AddAssemblyRuntime();
#pragma warning disable CS0618 // The host's old setting is still honoured: forwarded to the runtime it belongs to.
        services.AddOptions<AssemblyRuntimeOptions>().Configure<IOptions<HotplugOptions>>(static (assembly, host) =>
        {
            foreach (var name in host.Value.SharedAssemblies.Where(n => !assembly.SharedAssemblies.Contains(n)))
            {
                assembly.SharedAssemblies.Add(name);
            }
        });
#pragma warning restore CS0618
        return builder;
    }

    /// <summary>
    /// Turns a registered runtime off for this host (<see cref="HotplugOptions.DisabledRuntimes"/>): a manifest that
    /// names it is rejected as naming an unknown runtime. <c>DisableRuntime("assembly")</c> keeps all plugin code out
    /// of the host's process.
    /// </summary>
    /// <param name="builder">The Hotplug builder.</param>
    /// <param name="name">The runtime's name, as manifests write it; checked against the registered runtimes when the host starts.</param>
    /// <returns>The builder.</returns>
    public static IHotplugBuilder DisableRuntime(this IHotplugBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Services.Configure<HotplugOptions>(o => o.DisabledRuntimes.Add(name));
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
