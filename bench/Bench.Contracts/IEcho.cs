using Hotplug;

namespace Bench.Contracts;

/// <summary>
/// The process benchmark's echo service as a contract: Hotplug carries it as <c>hotplug.bench.Echo/Echo</c> with a
/// <c>Payload { bytes data = 1; }</c> message, exactly what <c>bench/process/proto/echo.proto</c> declares, so the
/// Go and .NET echo plugins serve it unchanged and the host calls them through <c>Get&lt;IEcho&gt;</c>.
/// </summary>
[PluginContract("hotplug/bench")]
public interface IEcho
{
    /// <summary>Sends <paramref name="payload"/> back.</summary>
    Task<Payload> EchoAsync(Payload payload, CancellationToken cancellationToken = default);
}

/// <summary>The bytes to echo.</summary>
/// <param name="Data">The bytes.</param>
public sealed record Payload(byte[] Data);
