using System.Diagnostics.CodeAnalysis;
using Grpc.AspNetCore.Server.Model;
using Hotplug.Process.Protocol.Frames;
using Hotplug.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Hotplug.Process.Plugin;

/// <summary>Serves <c>[PluginContract]</c> implementations as gRPC services, with no <c>.proto</c> file.</summary>
public static class PluginContractExtensions
{
    /// <summary>
    /// Serves <paramref name="implementation"/> as the gRPC service of <typeparamref name="TContract"/>, the way a
    /// Hotplug host calls it (<see cref="ContractSchema"/>): the host's <c>Get&lt;TContract&gt;</c> reaches it.
    /// </summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="services">The plugin's services.</param>
    /// <param name="implementation">The implementation.</param>
    /// <returns>The services.</returns>
    [RequiresDynamicCode("Contract services are bound by reflection; serve proto-first services in NativeAOT plugins.")]
    [RequiresUnreferencedCode("Contract services read the contract's records by reflection.")]
    public static IServiceCollection AddPluginContract<TContract>(this IServiceCollection services, TContract implementation)
        where TContract : class
    {
        ArgumentNullException.ThrowIfNull(implementation);
        return services.AddPluginContract<TContract>(_ => implementation);
    }

    /// <summary>Serves the <typeparamref name="TContract"/> made by <paramref name="factory"/> (once, from the plugin's services).</summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="services">The plugin's services.</param>
    /// <param name="factory">Creates the implementation.</param>
    /// <returns>The services.</returns>
    [RequiresDynamicCode("Contract services are bound by reflection; serve proto-first services in NativeAOT plugins.")]
    [RequiresUnreferencedCode("Contract services read the contract's records by reflection.")]
    public static IServiceCollection AddPluginContract<TContract>(this IServiceCollection services, Func<IServiceProvider, TContract> factory)
        where TContract : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        ContractSchema.For(typeof(TContract)); // Fails here, naming the member, rather than at the first call.
        services.AddSingleton(provider => new ContractService<TContract>(factory(provider)));
        services.AddSingleton<IServiceMethodProvider<ContractService<TContract>>, ContractMethodProvider<TContract>>();
        services.AddSingleton(new ContractRegistration(
            typeof(TContract),
            app => app.MapGrpcService<ContractService<TContract>>(),
            (provider, fastLane) => ContractMethodBinder.Bind(fastLane, ContractServer.Handlers(typeof(TContract), provider.GetRequiredService<ContractService<TContract>>().Implementation))));
        return services;
    }
}

/// <summary>A contract to map when the plugin's app is built: on ASP.NET Core's gRPC server, or on the fast lane's.</summary>
internal sealed record ContractRegistration(Type Contract, Action<WebApplication> Map, Action<IServiceProvider, FrameHandlers> BindFastLane);

/// <summary>The gRPC service object of one contract: its implementation.</summary>
/// <typeparam name="TContract">The contract interface.</typeparam>
internal sealed class ContractService<TContract>(TContract implementation)
    where TContract : class
{
    public TContract Implementation => implementation;
}

/// <summary>Tells ASP.NET Core's gRPC server the methods of a contract's service.</summary>
/// <typeparam name="TContract">The contract interface.</typeparam>
internal sealed class ContractMethodProvider<TContract>(ContractService<TContract> service) : IServiceMethodProvider<ContractService<TContract>>
    where TContract : class
{
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Registered only by AddPluginContract, which carries the requirement.")]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Registered only by AddPluginContract, which carries the requirement.")]
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<ContractService<TContract>> context) =>
        ContractMethodBinder.Bind(context, ContractServer.Handlers(typeof(TContract), service.Implementation));
}
