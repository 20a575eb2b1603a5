using System.Diagnostics.CodeAnalysis;
using Hotplug.Bus.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hotplug.Bus;

/// <summary>What a <see cref="BusMember"/> serves: contract implementations, or a plugin whose contracts it serves.</summary>
[RequiresDynamicCode("Bus contracts are encoded by reflection.")]
[RequiresUnreferencedCode("Bus contracts read their records by reflection.")]
public sealed class BusMemberBuilder
{
    internal Served Served { get; } = new();

    internal IPlugin? Plugin { get; private set; }

    /// <summary>Serves a contract with <paramref name="implementation"/>.</summary>
    /// <typeparam name="TContract">The contract interface, marked <c>[PluginContract("name/v1")]</c>.</typeparam>
    /// <param name="implementation">The implementation.</param>
    /// <returns>The builder.</returns>
    public BusMemberBuilder Serve<TContract>(TContract implementation)
        where TContract : class
    {
        ArgumentNullException.ThrowIfNull(implementation);
        Served.Add(typeof(TContract), implementation);
        return this;
    }

    /// <summary>
    /// Serves a plugin: every contract interface it implements, started with the context the hub sends (its id,
    /// version and the bus package's <c>config</c>), stopped when the member leaves, and health-checked when the host asks.
    /// </summary>
    /// <param name="plugin">The plugin, such as a <see cref="PluginBase"/>.</param>
    /// <returns>The builder.</returns>
    public BusMemberBuilder ServePlugin(IPlugin plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        if (Plugin is not null)
        {
            throw new InvalidOperationException("A member serves one plugin; serve more contracts with Serve<TContract>.");
        }

        Plugin = plugin;
        foreach (var contract in plugin.GetType().GetInterfaces().Where(i => i.IsDefined(typeof(PluginContractAttribute), inherit: false)))
        {
            Served.Add(contract, plugin.GetContract(contract) ?? plugin);
        }

        return this;
    }
}

/// <summary>A member's plugin context: what the hub's welcome said; no host services cross the bus.</summary>
internal sealed class BusPluginContext(string pluginId, string version, IReadOnlyDictionary<string, string?> config, ILoggerFactory? loggers, CancellationToken stopping) : IPluginContext
{
    public string PluginId => pluginId;

    public string Version => version;

    public IConfiguration Configuration { get; } = new ConfigurationBuilder().AddInMemoryCollection(config).Build();

    public ILogger Logger { get; } = loggers?.CreateLogger(pluginId) ?? NullLogger.Instance;

    public IServiceProvider HostServices { get; } = new NoServices();

    public CancellationToken Stopping => stopping;

    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}

/// <summary>The hub refused a member: the message says why, such as a key it does not trust.</summary>
public sealed class BusRefusedException(string reason) : Exception($"The bus refused this member: {reason}");

/// <summary>A message is larger than the bus allows.</summary>
public sealed class BusMessageTooLargeException(int size, int limit) : Exception($"A bus message of {size} bytes is over the bus's limit of {limit} bytes.")
{
    /// <summary>Gets the message's size in bytes.</summary>
    public int Size { get; } = size;

    /// <summary>Gets the limit in bytes.</summary>
    public int Limit { get; } = limit;
}
