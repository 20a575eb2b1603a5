using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Hotplug.Process.Plugin;

/// <summary>Hosts a plugin entry type (<see cref="PluginBase"/>, or any <see cref="IPlugin"/>) in a plugin process.</summary>
public static class PluginEntryExtensions
{
    /// <summary>
    /// Hosts <typeparamref name="TPlugin"/> as an assembly plugin's host would: one instance, made with its public
    /// parameterless constructor; <see cref="IPlugin.StartAsync"/> once the handshake is out (the host hands the process
    /// out only after it completed, and it may call the host's services); <see cref="IPlugin.CheckHealthAsync"/> behind
    /// <c>grpc.health.v1</c>; <see cref="IPlugin.StopAsync"/> after the host's <c>Shutdown</c>. Every
    /// <c>[PluginContract]</c> interface it implements is served as <see cref="PluginContractExtensions.AddPluginContract{TContract}(IServiceCollection, TContract)"/> serves it.
    /// </summary>
    /// <remarks><see cref="GoPluginServer.RunAsync{TPlugin}"/> is this and nothing else; add it yourself to serve more beside it.</remarks>
    /// <typeparam name="TPlugin">The plugin's entry type: the same class an assembly plugin's manifest names.</typeparam>
    /// <param name="services">The plugin's services.</param>
    /// <returns>The services.</returns>
    /// <exception cref="InvalidOperationException">A plugin entry type was added already.</exception>
    [RequiresDynamicCode("Contract services are bound by reflection; serve proto-first services in NativeAOT plugins.")]
    [RequiresUnreferencedCode("Contract services read the contract's records by reflection.")]
    public static IServiceCollection AddPlugin<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.Interfaces)] TPlugin>(this IServiceCollection services)
        where TPlugin : class, IPlugin, new()
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(s => s.ServiceType == typeof(PluginRunner)))
        {
            throw new InvalidOperationException($"A plugin process hosts one plugin entry type; {typeof(TPlugin).Name} is the second.");
        }

        services.AddSingleton(_ => new PluginRunner(new TPlugin()));
        services.AddSingleton<IPluginContext>(provider => provider.GetRequiredService<PluginRunner>().Context
            ?? throw new InvalidOperationException("The plugin's context is made when it starts, after the handshake."));
        var add = typeof(PluginEntryExtensions).GetMethod(nameof(AddContract), BindingFlags.NonPublic | BindingFlags.Static)!;
        foreach (var contract in typeof(TPlugin).GetInterfaces().Where(i => i.GetCustomAttribute<PluginContractAttribute>() is not null))
        {
            add.MakeGenericMethod(contract).Invoke(null, [services]);
        }

        return services;
    }

    [RequiresDynamicCode("Contract services are bound by reflection.")]
    [RequiresUnreferencedCode("Contract services read the contract's records by reflection.")]
    private static void AddContract<TContract>(IServiceCollection services)
        where TContract : class =>
        services.AddPluginContract(provider => (TContract)provider.GetRequiredService<PluginRunner>().Plugin);
}
