using Microsoft.Extensions.DependencyInjection;

namespace Hotplug.Admin;

/// <summary>Adds the admin API to a Hotplug host.</summary>
public static class HotplugAdminExtensions
{
    /// <summary>
    /// Serves the admin API on 127.0.0.1 (<see cref="HotplugAdminOptions.Port"/>, default 7311), protected by a
    /// random bearer token written with the URL to <c>&lt;state&gt;/admin.json</c> (mode 0600), which the
    /// <c>hotplug ls</c> and <c>hotplug call</c> commands read.
    /// </summary>
    /// <param name="builder">The Hotplug builder from <c>AddHotplug</c>.</param>
    /// <param name="configure">Sets <see cref="HotplugAdminOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IHotplugBuilder AddAdminApi(this IHotplugBuilder builder, Action<HotplugAdminOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<HotplugAdminOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.AddHostedService<AdminServer>();
        return builder;
    }
}
