using Hotplug.Loading;
using Hotplug.Runtimes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hotplug;

/// <summary>Adds the <c>assembly</c> runtime to a Hotplug host.</summary>
public static class HotplugAssemblyRuntimeExtensions
{
    /// <summary>
    /// Runs plugins whose manifest says <c>"runtime": "assembly"</c> in the host's process, each version in its own
    /// collectible load context, with verified unload. <c>AddHotplug()</c> adds it already; call this to configure
    /// it (any number of times). A host that must not run plugin code in its own process removes it with
    /// <c>DisableRuntime("assembly")</c>.
    /// </summary>
    /// <param name="builder">The Hotplug builder.</param>
    /// <param name="configure">Sets <see cref="AssemblyRuntimeOptions"/>; validated when the host starts.</param>
    /// <returns>The builder.</returns>
    public static IHotplugBuilder AddAssemblyRuntime(this IHotplugBuilder builder, Action<AssemblyRuntimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<AssemblyRuntimeOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AssemblyRuntimeOptions>, AssemblyRuntimeOptionsValidator>());
        return builder.AddRuntime<AssemblyRuntime>();
    }

    private sealed class AssemblyRuntimeOptionsValidator : IValidateOptions<AssemblyRuntimeOptions>
    {
        public ValidateOptionsResult Validate(string? name, AssemblyRuntimeOptions options) =>
            options.Validate() is { Count: > 0 } errors
                ? ValidateOptionsResult.Fail("Invalid assembly runtime options: " + string.Join(" ", errors))
                : ValidateOptionsResult.Success;
    }
}
