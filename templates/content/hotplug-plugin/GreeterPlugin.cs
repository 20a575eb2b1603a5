using Hotplug;
using HotplugTemplateContracts;

namespace HotplugTemplatePlugin;

/// <summary>The plugin: loaded by the host in a load context of its own, and unloaded when a new version replaces it.</summary>
public sealed class GreeterPlugin : PluginBase, IGreeter
{
    /// <inheritdoc />
    public ValueTask<GreetReply> GreetAsync(GreetRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new GreetReply($"Hello, {request.Name}, from {Context.PluginId}@{Context.Version}"));
}
