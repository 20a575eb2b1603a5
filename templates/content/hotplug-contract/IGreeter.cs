using Hotplug;

namespace HotplugTemplateContracts;

/// <summary>A contract: what the host calls and plugins serve, in process or across one.</summary>
/// <remarks>
/// Methods are asynchronous and take and return data messages (records), plus an optional cancellation token, so
/// the same interface is served by assembly plugins, process plugins and, through <c>hotplug proto</c>, plugins in
/// other languages. A changed contract is a new id (<c>greeter/v2</c>) beside the old one.
/// </remarks>
[PluginContract("HOTPLUG_CONTRACT_ID")]
public interface IGreeter
{
    /// <summary>Greets someone.</summary>
    ValueTask<GreetReply> GreetAsync(GreetRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Who to greet.</summary>
public sealed record GreetRequest(string Name);

/// <summary>The greeting.</summary>
public sealed record GreetReply(string Message);
