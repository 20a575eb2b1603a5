using Hotplug.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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
    /// <param name="configure">Sets <see cref="ProcessRuntimeOptions"/>; validated when the host starts, all problems in one message.</param>
    /// <returns>The builder.</returns>
    public static IHotplugBuilder AddProcessRuntime(this IHotplugBuilder builder, Action<ProcessRuntimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<ProcessRuntimeOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // Checked when the host starts, not when the first process plugin does.
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProcessRuntimeOptions>, ProcessRuntimeOptionsValidator>());
        options.ValidateOnStart();

        return builder.AddRuntime<ProcessRuntime>();
    }
}

/// <summary>Calls into process plugins from their generated gRPC clients.</summary>
public static class PluginHostProcessExtensions
{
    /// <summary>
    /// Gets a call invoker for a process plugin's gRPC services, for proto-first plugins and their generated
    /// clients: <c>new KV.KVClient(host.GetCallInvoker("kv"))</c>. Like a contract router, it always reaches the
    /// active version, counts calls in flight (so upgrades and offline drain them), applies the plugin's call
    /// timeout as the deadline unless the caller set one, and reports a dead process as
    /// <see cref="PluginCrashedException"/>. Keep it for the life of the application.
    /// </summary>
    /// <param name="host">The plugin host: the one <c>AddHotplug()</c> registers, which serves its slots too.</param>
    /// <param name="pluginId">The plugin id.</param>
    /// <returns>The call invoker.</returns>
    /// <exception cref="InvalidOperationException"><paramref name="host"/> does not serve <see cref="IPluginSlots"/>.</exception>
    public static Grpc.Core.CallInvoker GetCallInvoker(this IPluginHost host, string pluginId)
    {
        ArgumentNullException.ThrowIfNull(host);
        var slots = host as IPluginSlots
            ?? throw new InvalidOperationException($"{host.GetType().FullName} does not serve IPluginSlots: resolve IPluginSlots from the host's services and call GetCallInvoker on it.");
        return slots.GetCallInvoker(pluginId);
    }

    /// <summary>Gets a call invoker for a process plugin's gRPC services, as <see cref="GetCallInvoker(IPluginHost, string)"/> does.</summary>
    /// <param name="slots">The host's slots, from its services.</param>
    /// <param name="pluginId">The plugin id.</param>
    /// <returns>The call invoker.</returns>
    public static Grpc.Core.CallInvoker GetCallInvoker(this IPluginSlots slots, string pluginId)
    {
        ArgumentNullException.ThrowIfNull(slots);
        return new RoutedCallInvoker(slots.GetSlot<Grpc.Core.CallInvoker>(pluginId));
    }
}
