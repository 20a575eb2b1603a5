using Hotplug.Process;

namespace Hotplug.Tests.Infrastructure;

/// <summary>The core tests' host, with the process runtime beside the assembly runtime.</summary>
internal sealed partial class HostFixture
{
    static partial void AddRuntimes(IHotplugBuilder builder) => builder.AddProcessRuntime(o =>
    {
        o.Supervision.InitialBackoff = TimeSpan.FromMilliseconds(20);
        o.PoolIdleTimeout = TimeSpan.FromSeconds(1);
    });
}
