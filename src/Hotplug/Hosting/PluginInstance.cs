using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Hotplug.Manifest;
using Hotplug.Packaging;
using Hotplug.Routing;
using Hotplug.Runtimes;
using Hotplug.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Hotplug.Hosting;

/// <summary>
/// One version of a plugin as the host holds it, whatever its runtime: its manifest, its store copy, the gate
/// that counts its calls, and what its runtime runs.
/// </summary>
internal sealed class PluginInstance
{
    private readonly CancellationTokenSource _stopping = new();
    private IPluginVersion? _running;
    private bool _storeCopyChanged;

    private PluginInstance(PluginManifest manifest, StagedPackage package, CallGate gate, VersionStateMachine lifecycle)
    {
        Manifest = manifest;
        Package = package;
        Gate = gate;
        Lifecycle = lifecycle;
    }

    public PluginManifest Manifest { get; }

    public StagedPackage Package { get; }

    public CallGate Gate { get; }

    /// <summary>Gets where the version is in its lifecycle; moved only along <see cref="VersionTransitions"/>.</summary>
    public VersionStateMachine Lifecycle { get; }

    public string Id => Manifest.Id;

    public string Version => Manifest.VersionText;

    public DateTimeOffset? ActiveSince { get; set; }

    /// <summary>Gets or sets whether its store copy was found changed (or gone) while it ran: the next staging of its folder replaces it.</summary>
    public bool StoreCopyChanged
    {
        get => Volatile.Read(ref _storeCopyChanged);
        set => Volatile.Write(ref _storeCopyChanged, value);
    }

    /// <summary>Gets what answers calls by name for the version (its runtime's), or <see langword="null"/>.</summary>
    public Hotplug.Contracts.Json.IJsonCallByName? CallByName => _running?.CallByName;

    /// <summary>Gets how the version's pool of workers is used, when its runtime pools; <see langword="null"/> otherwise or once it stopped.</summary>
    public PluginPoolStatus? Pool => _running?.Pool;

    /// <summary>
    /// Gets the names of the contracts the version serves: those its manifest lists, known as soon as it is created
    /// whatever its runtime, and any other its runtime provides.
    /// </summary>
    public IReadOnlyList<string> ContractNames =>
        [.. Manifest.Contracts.Concat((_running?.ContractTypes ?? []).Select(ContractName)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Gets the contract interfaces the version provides, with their implementations.</summary>
    public IReadOnlyDictionary<Type, object> Contracts
    {
        get
        {
            var contracts = new Dictionary<Type, object>();
            if (_running is { } running)
            {
                foreach (var type in running.ContractTypes)
                {
                    if (running.GetContract(type) is { } implementation)
                    {
                        contracts[type] = implementation;
                    }
                }
            }

            return contracts;
        }
    }

    /// <summary>Creates the version with its runtime; <see cref="StartAsync"/> starts it.</summary>
    /// <remarks><paramref name="lifecycle"/> is the version's lifecycle, in <see cref="PluginVersionState.Starting"/>; a new one when not given.</remarks>
    /// <exception cref="PluginException">The runtime cannot run the package.</exception>
    public static PluginInstance Create(IPluginRuntime runtime, PluginManifest manifest, StagedPackage package, ILogger logger, IServiceProvider hostServices, TimeSpan callTimeout, TimeProvider timeProvider, Func<CancellationToken, Task>? verifyPackage = null, VersionStateMachine? lifecycle = null)
    {
        lifecycle ??= new VersionStateMachine(manifest.Id, manifest.VersionText, PluginVersionState.Starting);
        var instance = new PluginInstance(manifest, package, new CallGate(manifest.Id, manifest.VersionText, callTimeout, timeProvider), lifecycle);
        instance._running = runtime.Create(new PluginVersionContext
        {
            PluginId = manifest.Id,
            Version = manifest.VersionText,
            PackagePath = package.Path,
            Entry = manifest.Entry,
            Contracts = manifest.Contracts,
            Configuration = instance.BuildConfiguration(),
            Logger = logger,
            HostServices = hostServices,
            ExportedServiceTypes = hostServices is ServiceExports exports ? exports.ExportedTypes : [],
            CallTimeout = callTimeout,
            Stopping = instance._stopping.Token,
            VerifyPackageAsync = verifyPackage is null ? static _ => Task.CompletedTask : ct => VerifyAsync(verifyPackage, manifest.Id, ct),
        });
        return instance;
    }

    /// <summary>Runs the store copy's check, reporting a changed copy to the runtime as a refused start.</summary>
    private static async Task VerifyAsync(Func<CancellationToken, Task> verifyPackage, string pluginId, CancellationToken cancellationToken)
    {
        try
        {
            await verifyPackage(cancellationToken).ConfigureAwait(false);
        }
        catch (PackageVerificationException ex)
        {
            throw new PluginStartException(ex.Code, ex.Reason, pluginId, ex);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => _running!.StartAsync(cancellationToken);

    public Task<PluginHealth> CheckHealthAsync(CancellationToken cancellationToken) => _running!.CheckHealthAsync(cancellationToken);

    public object? GetContract(Type contractType) => _running?.GetContract(contractType);

    /// <summary>Signals <see cref="IPluginContext.Stopping"/> and stops the version, bounded by <paramref name="timeout"/>.</summary>
    /// <returns>The error the stop ended with, or <see langword="null"/>.</returns>
    public async Task<string?> StopAsync(TimeSpan timeout)
    {
        if (_running is null)
        {
            return null;
        }

        try
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            using var cts = new CancellationTokenSource(timeout);
            await _running.StopAsync(cts.Token).WaitAsync(timeout).ConfigureAwait(false);
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
    /// Drops every reference the host holds into the version's code, and has its runtime release it and report what
    /// became of it (for an in-process version, whether its code was collected within <paramref name="timeout"/>).
    /// </summary>
    /// <param name="timeout">How long the runtime may take to verify the version is gone.</param>
    /// <param name="cancellationToken">Stops the verification (the host is stopping); already cancelled, none is made.</param>
    /// <returns>What the runtime reports; <see cref="ReleaseOutcome.Leaked"/> with the error when its release threw.</returns>
    public async ValueTask<ReleaseResult> ReleaseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var running = Detach();
        if (running is null)
        {
            return ReleaseResult.NotApplicable;
        }

        try
        {
            return await running.ReleaseAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return ReleaseResult.Leaked($"its runtime's release threw {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Lets go of the runtime's version and of everything of the plugin's that the host cached.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private IPluginVersion? Detach()
    {
        var running = _running;
        _running = null;

        _stopping.Dispose();
        return running;
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
