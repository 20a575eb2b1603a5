using System.Reflection;
using System.Runtime.CompilerServices;
using Hotplug.Contracts;
using Hotplug.Contracts.Json;
using Hotplug.Runtimes;

namespace Hotplug.Loading;

/// <summary>One version of an assembly plugin: its load context, its entry object and its contract implementations.</summary>
internal sealed class AssemblyPluginVersion : IPluginVersion
{
    private readonly Dictionary<Type, object> _contracts = [];
    private readonly PluginVersionContext _context;
    private readonly AssemblyEntry _entry;
    private readonly TimeProvider _time;
    private PluginLoadContext? _loadContext;
    private IPlugin? _plugin;
    private ContractCallByName? _callByName;

    private AssemblyPluginVersion(PluginVersionContext context, AssemblyEntry entry, TimeProvider timeProvider)
    {
        _context = context;
        _entry = entry;
        _time = timeProvider;
    }

    public IReadOnlyCollection<Type> ContractTypes => _contracts.Keys;

    /// <summary>Gets call by name over the version's contracts: the contract layer's dispatcher over each implementation.</summary>
    public IJsonCallByName? CallByName
    {
        get
        {
            if (_callByName is { } known || _plugin is null)
            {
                return _callByName;
            }

            var contracts = _contracts.Select(c => KeyValuePair.Create(c.Key, (Func<ContractDescriptor, IOperationInvoker>)(d => new OperationDispatcher(d, c.Value))));
            Interlocked.CompareExchange(ref _callByName, new ContractCallByName(_context.PluginId, _context.Version, contracts), null);
            return _callByName;
        }
    }

    /// <summary>Loads the entry assembly into a new collectible context and creates the entry object.</summary>
    /// <exception cref="PluginException">The entry assembly or type is missing or unusable.</exception>
    public static AssemblyPluginVersion Load(PluginVersionContext context, SharedAssemblyPolicy shared, TimeProvider timeProvider)
    {
        var version = new AssemblyPluginVersion(context, AssemblyEntry.Read(context.Entry), timeProvider);
        version.Load(shared);
        return version;
    }

    /// <summary>
    /// Loads an assembly compiled in memory (the <c>csharp</c> runtime's build of a plugin's sources) into a new
    /// collectible context and creates the entry object, as <see cref="Load(PluginVersionContext, SharedAssemblyPolicy, TimeProvider)"/> does for an entry assembly.
    /// </summary>
    /// <param name="context">The version's context; its <c>entry</c> is the compiling runtime's, not read here.</param>
    /// <param name="compiled">The image, its symbols, the entry type and where the libraries it references are.</param>
    /// <param name="shared">What the plugin shares with the host.</param>
    /// <param name="timeProvider">The clock unload verification is timed with.</param>
    /// <exception cref="PluginException">The entry type is missing or unusable.</exception>
    internal static AssemblyPluginVersion LoadCompiled(PluginVersionContext context, CompiledAssembly compiled, SharedAssemblyPolicy shared, TimeProvider timeProvider)
    {
        var version = new AssemblyPluginVersion(context, new AssemblyEntry(compiled.Description, compiled.TypeName), timeProvider);
        version.LoadCompiled(compiled, shared);
        return version;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var context = new PluginContext(_context.PluginId, _context.Version, _context.Configuration, _context.Logger, _context.HostServices, _context.Stopping);
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

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_plugin is not null)
        {
            await _plugin.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops every reference the host holds into the plugin, unloads its load context, and verifies it is collected.</summary>
    public async ValueTask<ReleaseResult> ReleaseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Only a weak reference crosses the await: this method must not keep the context alive itself.
        var weak = Unload();
        return await UnloadVerifier.WaitForCollectionAsync(weak, timeout, _time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops every reference the host holds into the plugin and starts unloading its load context.</summary>
    /// <returns>A weak reference to the context, to verify that it is collected.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal WeakReference Unload()
    {
        var weak = new WeakReference(_loadContext, trackResurrection: false);
        _contracts.Clear();
        _callByName = null;
        _plugin = null;
        _loadContext?.Unload();
        _loadContext = null;
        return weak;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Load(SharedAssemblyPolicy shared)
    {
        var entryPath = Path.Combine(_context.PackagePath, _entry.Assembly);
        if (!File.Exists(entryPath))
        {
            throw new PluginException($"Entry assembly '{_entry.Assembly}' (manifest field 'entry.assembly') is not in the package.", _context.PluginId, _context.Version);
        }

        _loadContext = new PluginLoadContext($"{_context.PluginId}@{_context.Version}", entryPath, shared);
        Assembly assembly;
        try
        {
            assembly = _loadContext.LoadFromAssemblyPath(entryPath);
        }
        catch (BadImageFormatException ex)
        {
            throw new PluginException($"Entry assembly '{_entry.Assembly}' is not a .NET assembly: {ex.Message}", _context.PluginId, _context.Version, ex);
        }

        Activate(assembly, shared);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LoadCompiled(CompiledAssembly compiled, SharedAssemblyPolicy shared)
    {
        _loadContext = new PluginLoadContext($"{_context.PluginId}@{_context.Version}", shared, compiled.LibraryFolder);
        Assembly assembly;
        using (var image = new MemoryStream(compiled.Image, writable: false))
        using (var symbols = compiled.Symbols is null ? null : new MemoryStream(compiled.Symbols, writable: false))
        {
            assembly = _loadContext.LoadFromStream(image, symbols);
        }

        Activate(assembly, shared);
    }

    /// <summary>Creates the entry object of a loaded assembly and finds the contracts it provides.</summary>
    private void Activate(Assembly assembly, SharedAssemblyPolicy shared)
    {
        Type? type;
        try
        {
            type = assembly.GetType(_entry.Type, throwOnError: false);
        }
        catch (Exception ex) when (ex is TypeLoadException or FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            // The type is there but cannot be loaded: most often an assembly it needs is neither in the package nor shared by the host.
            throw new PluginException($"Entry type '{_entry.Type}' cannot be loaded: {ex.Message} Ship the assemblies it needs in the plugin folder, or reference contracts the host shares.", _context.PluginId, _context.Version, ex);
        }

        if (type is null)
        {
            throw new PluginException($"Entry type '{_entry.Type}' (manifest field 'entry.type') is not in {_entry.Assembly}{WhyTypesDoNotLoad(assembly)}.", _context.PluginId, _context.Version);
        }

        if (!typeof(IPlugin).IsAssignableFrom(type))
        {
            var hint = type.GetInterfaces().Any(i => i.FullName == typeof(IPlugin).FullName)
                ? $" It implements another copy of {typeof(IPlugin).FullName}: the plugin must not bring its own Hotplug.Abstractions build that differs from the host's."
                : string.Empty;
            throw new PluginException($"Entry type '{_entry.Type}' does not implement {typeof(IPlugin).FullName}.{hint}", _context.PluginId, _context.Version);
        }

        if (type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new PluginException($"Entry type '{_entry.Type}' must be a concrete class with a public parameterless constructor.", _context.PluginId, _context.Version);
        }

        try
        {
            _plugin = (IPlugin)Activator.CreateInstance(type)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw new PluginException($"The constructor of '{_entry.Type}' threw {ex.InnerException.GetType().Name}: {ex.InnerException.Message}", _context.PluginId, _context.Version, ex.InnerException);
        }

        foreach (var contract in type.GetInterfaces().Where(i => i.IsDefined(typeof(PluginContractAttribute), inherit: false)))
        {
            if (_plugin.GetContract(contract) is { } implementation && contract.IsInstanceOfType(implementation))
            {
                _contracts[contract] = implementation;
            }
        }

        // Contracts the entry object does not implement itself but hands out from GetContract.
        foreach (var contract in shared.FindContracts(_context.Contracts.Except(_contracts.Keys.Select(ContractName))))
        {
            if (_plugin.GetContract(contract) is { } implementation && contract.IsInstanceOfType(implementation))
            {
                _contracts[contract] = implementation;
            }
        }

        var provided = _contracts.Keys.Select(ContractName).ToHashSet(StringComparer.Ordinal);
        var missing = _context.Contracts.Where(c => !provided.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new PluginException(
                $"The manifest lists contract(s) {string.Join(", ", missing)} but '{_entry.Type}' provides {(provided.Count == 0 ? "none" : string.Join(", ", provided))}.",
                _context.PluginId,
                _context.Version);
        }
    }

    private static string ContractName(Type contract) =>
        contract.GetCustomAttribute<PluginContractAttribute>()?.Name ?? contract.FullName ?? contract.Name;

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
}
