using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hotplug.Hosting;

internal sealed class ServiceExportOptions
{
    public HashSet<Type> Types { get; } = [];
}

/// <summary>
/// The host services plugins may resolve: only the exported types, from the host's container.
/// </summary>
internal sealed class ServiceExports(IServiceProvider services, IOptions<ServiceExportOptions> options) : IServiceProvider
{
    private readonly HashSet<Type> _exported = [.. options.Value.Types];

    public IReadOnlyCollection<Type> ExportedTypes => _exported;

    public object? GetService(Type serviceType) =>
        _exported.Contains(serviceType) ? services.GetService(serviceType) : null;
}
