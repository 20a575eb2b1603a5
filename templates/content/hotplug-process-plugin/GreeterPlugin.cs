using Hotplug;
using HotplugTemplateContracts;

namespace HotplugTemplatePlugin;

/// <summary>The plugin: the host starts this program and calls it over gRPC, with no .proto to write.</summary>
public sealed class GreeterPlugin : PluginBase, IGreeter
{
    /// <inheritdoc />
    public ValueTask<GreetReply> GreetAsync(GreetRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new GreetReply($"Hello, {request.Name}, from {Context.PluginId}@{Context.Version} (pid {Environment.ProcessId})"));
}
