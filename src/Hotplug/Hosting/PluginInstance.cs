using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Hotplug.Loading;
using Hotplug.Manifest;
using Hotplug.Routing;
using Hotplug.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Hotplug.Hosting;

/// <summary>
/// One running version of an assembly plugin: its load context, its entry object, its contract
/// implementations and the gate that counts its calls.
/// </summary>
internal sealed class PluginInstance
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<Type, object> _contracts = [];
    private PluginLoadContext? _loadContext;
    private IPlugin? _plugin;

    private PluginInstance(PluginManifest manifest, StagedPackage package, CallGate gate)
    {
        Manifest = manifest;
        Package = package;
        Gate = gate;
    }

    public PluginManifest Manifest { get; }

    public StagedPackage Package { get; }

    public CallGate Gate { get; }

    public string Id => Manifest.Id;

    public string Version => Manifest.VersionText;

    public DateTimeOffset? ActiveSince { get; set; }

    /// <summary>
    /// Gets the JSON settings for calls by name. One instance per version, never shared: System.Text.Json
    /// caches metadata per options instance, and a cache shared with the host would keep the plugin's
    /// types, and so its load context, alive after unload.
    /// </summary>
    public System.Text.Json.JsonSerializerOptions JsonOptions { get; } = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    /// <summary>Gets the contract interfaces the entry object provides, with their names.</summary>
    public IReadOnlyDictionary<Type, object> Contracts => _contracts;

    /// <summary>Loads the entry assembly into a new collectible context and creates the entry object.</summary>
    /// <exception cref="PluginException">The entry assembly or type is missing or unusable.</exception>
    public static PluginInstance Load(PluginManifest manifest, StagedPackage package, SharedAssemblyPolicy shared, TimeSpan callTimeout, TimeProvider timeProvider)
    {
        var instance = new PluginInstance(manifest, package, new CallGate(manifest.Id, manifest.VersionText, callTimeout, timeProvider));
        instance.LoadCore(shared);
        return instance;
    }

    public async Task StartAsync(ILogger logger, IServiceProvider hostServices, CancellationToken cancellationToken)
    {
        var context = new PluginContext(Id, Version, BuildConfiguration(), logger, hostServices, _stopping.Token);
        await _plugin!.StartAsync(context, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        await _plugin!.CheckHealthAsync(cancellationToken).ConfigureAwait(false);

    public object? GetContract(Type contractType)
    {
        if (_contracts.TryGetValue(contractType, out var known))
        {
            return known;
        }

        return _plugin?.GetContract(contractType) is { } other && contractType.IsInstanceOfType(other) ? other : null;
    }

    /// <summary>Signals <see cref="IPluginContext.Stopping"/> and calls the plugin's <c>StopAsync</c>, bounded by <paramref name="timeout"/>.</summary>
    /// <returns>The error the stop ended with, or <see langword="null"/>.</returns>
    public async Task<string?> StopAsync(TimeSpan timeout)
    {
        if (_plugin is null)
        {
            return null;
        }

        try
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            using var cts = new CancellationTokenSource(timeout);
            await _plugin.StopAsync(cts.Token).AsTask().WaitAsync(timeout).ConfigureAwait(false);
            return null;
        }
        catch (TimeoutException)
        {
            return $"StopAsync did not complete within {timeout.TotalSeconds:0.#} s";
        }
        catch (Exception ex)
        {
            return $"StopAsync threw {ex.GetType().Name}: {ex.Message}";
        }
    }

    /// <summary>
    /// Drops every reference the host holds into the plugin and starts unloading its load context.
    /// </summary>
    /// <returns>A weak reference to the load context, to verify it is collected.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public WeakReference Unload()
    {
        var weak = new WeakReference(_loadContext, trackResurrection: false);
        _contracts.Clear();
        _plugin = null;
        _loadContext?.Unload();
        _loadContext = null;
        _stopping.Dispose();
        return weak;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LoadCore(SharedAssemblyPolicy shared)
    {
        var entryPath = Path.Combine(Package.Path, Manifest.EntryAssembly);
        if (!File.Exists(entryPath))
        {
            throw new PluginException($"Entry assembly '{Manifest.EntryAssembly}' (manifest field 'entry.assembly') is not in the package.", Id, Version);
        }

        _loadContext = new PluginLoadContext($"{Id}@{Version}", entryPath, shared);
        Assembly assembly;
        try
        {
            assembly = _loadContext.LoadFromAssemblyPath(entryPath);
        }
        catch (BadImageFormatException ex)
        {
            throw new PluginException($"Entry assembly '{Manifest.EntryAssembly}' is not a .NET assembly: {ex.Message}", Id, Version, ex);
        }

        Type? type;
        try
        {
            type = assembly.GetType(Manifest.EntryType, throwOnError: false);
        }
        catch (Exception ex) when (ex is TypeLoadException or FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            // The type is there but cannot be loaded: most often an assembly it needs is neither in the package nor shared by the host.
            throw new PluginException($"Entry type '{Manifest.EntryType}' cannot be loaded: {ex.Message} Ship the assemblies it needs in the plugin folder, or reference contracts the host shares.", Id, Version, ex);
        }

        if (type is null)
        {
            throw new PluginException($"Entry type '{Manifest.EntryType}' (manifest field 'entry.type') is not in {Manifest.EntryAssembly}{WhyTypesDoNotLoad(assembly)}.", Id, Version);
        }

        if (!typeof(IPlugin).IsAssignableFrom(type))
        {
            var hint = type.GetInterfaces().Any(i => i.FullName == typeof(IPlugin).FullName)
                ? $" It implements another copy of {typeof(IPlugin).FullName}: the plugin must not bring its own Hotplug.Abstractions build that differs from the host's."
                : string.Empty;
            throw new PluginException($"Entry type '{Manifest.EntryType}' does not implement {typeof(IPlugin).FullName}.{hint}", Id, Version);
        }

        if (type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new PluginException($"Entry type '{Manifest.EntryType}' must be a concrete class with a public parameterless constructor.", Id, Version);
        }

        try
        {
            _plugin = (IPlugin)Activator.CreateInstance(type)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw new PluginException($"The constructor of '{Manifest.EntryType}' threw {ex.InnerException.GetType().Name}: {ex.InnerException.Message}", Id, Version, ex.InnerException);
        }

        foreach (var contract in type.GetInterfaces().Where(i => i.IsDefined(typeof(PluginContractAttribute), inherit: false)))
        {
            if (_plugin.GetContract(contract) is { } implementation && contract.IsInstanceOfType(implementation))
            {
                _contracts[contract] = implementation;
            }
        }

        // Contracts the entry object does not implement itself but hands out from GetContract.
        foreach (var contract in shared.FindContracts(Manifest.Contracts.Except(_contracts.Keys.Select(ContractName))))
        {
            if (_plugin.GetContract(contract) is { } implementation && contract.IsInstanceOfType(implementation))
            {
                _contracts[contract] = implementation;
            }
        }

        var provided = _contracts.Keys.Select(ContractName).ToHashSet(StringComparer.Ordinal);
        var missing = Manifest.Contracts.Where(c => !provided.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new PluginException(
                $"The manifest lists contract(s) {string.Join(", ", missing)} but '{Manifest.EntryType}' provides {(provided.Count == 0 ? "none" : string.Join(", ", provided))}.",
                Id,
                Version);
        }
    }

    private static string WhyTypesDoNotLoad(Assembly assembly)
    {
        try
        {
            _ = assembly.GetTypes();
            return string.Empty;
        }
        catch (ReflectionTypeLoadException ex)
        {
            var first = ex.LoaderExceptions.FirstOrDefault(e => e is not null);
            return first is null ? string.Empty : $", or cannot be loaded: {first.Message} Ship the assemblies it needs in the plugin folder, or reference contracts the host shares";
        }
    }

    public static string ContractName(Type contract) =>
        contract.GetCustomAttribute<PluginContractAttribute>()?.Name ?? contract.FullName ?? contract.Name;

    private IConfiguration BuildConfiguration()
    {
        var builder = new ConfigurationBuilder();
        if (Manifest.Config is { } config)
        {
            builder.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(config.GetRawText())));
        }

        return builder.Build();
    }
}
