using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Hotplug.Process.Protocol.Frames;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hotplug.Process.Plugin;

/// <summary>
/// Serves on the fast lane the gRPC services a plugin mapped with <c>app.MapGrpcService&lt;T&gt;()</c>: each found
/// among the application's endpoints and bound with the <c>BindService</c> method its generated base names, as
/// ASP.NET Core's gRPC binds it.
/// </summary>
/// <remarks>
/// A service class is made once, from the plugin's services, and shared by the calls of its methods (ASP.NET Core
/// makes one per call unless it is registered): a service that needs scoped dependencies per call takes an
/// <see cref="IServiceScopeFactory"/>. <c>context.GetHttpContext()</c> has no HTTP context to return on the fast lane.
/// </remarks>
internal static class FastLaneServices
{
    /// <summary>Binds every mapped gRPC service but <paramref name="skip"/>'s; returns their types.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Generated gRPC bases carry [BindServiceMethod], whose bind type keeps its public static methods.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "The service types are those ASP.NET Core's gRPC activates, which it keeps.")]
    public static IReadOnlyList<Type> BindMapped(WebApplication app, FrameHandlers handlers, Func<Type, bool> skip)
    {
        var types = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .Select(endpoint => endpoint.Metadata.GetMetadata<GrpcMethodMetadata>()?.ServiceType)
            .OfType<Type>()
            .Where(type => !skip(type))
            .Distinct()
            .ToList();
        foreach (var type in types)
        {
            var binding = FindBinding(type)
                ?? throw new InvalidOperationException($"{type.FullName} has no generated base with [BindServiceMethod]: it cannot be served on the fast lane. Set GoPluginServerOptions.FastLane to false to serve it over gRPC.");
            var bind = binding.BindType.GetMethods(BindingFlags.Public | BindingFlags.Static)
                .FirstOrDefault(m => m.Name == binding.BindMethodName && m.GetParameters() is [{ } binder, { } service]
                    && binder.ParameterType == typeof(ServiceBinderBase) && service.ParameterType.IsAssignableFrom(type))
                ?? throw new InvalidOperationException($"{binding.BindType.FullName}.{binding.BindMethodName}(ServiceBinderBase, ...) is missing: {type.FullName} cannot be served on the fast lane.");
            bind.Invoke(null, [handlers, ActivatorUtilities.GetServiceOrCreateInstance(app.Services, type)]);
        }

        return types;
    }

    private static BindServiceMethodAttribute? FindBinding(Type type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } found)
            {
                return found;
            }
        }

        return null;
    }
}
