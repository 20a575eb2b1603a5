using Hotplug.Runtimes;
using Hotplug.Store;
using Microsoft.Extensions.Logging;

namespace Hotplug.Hosting;

/// <summary>
/// What the host's parts share: its settings, clock and logs, and — once it has started — its folders, store,
/// bookkeeping, runtimes and verification policy.
/// </summary>
internal sealed class HostContext
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _drainCutoff = new();
    private VerificationPolicy? _verification;

    public HostContext(HotplugOptions options, ServiceExports exports, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        Options = options;
        Exports = exports;
        Time = timeProvider;
        LoggerFactory = loggerFactory;
        Logger = loggerFactory.CreateLogger("Hotplug.Host");
    }

    public HotplugOptions Options { get; }

    public ServiceExports Exports { get; }

    public TimeProvider Time { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ILogger Logger { get; }

    /// <summary>Gets what the loop is asked to do besides its passes, and its wake-up.</summary>
    public ReconcileSignals Signals { get; } = new();

    public string PluginsPath { get; set; } = string.Empty;

    public string StatePath { get; set; } = string.Empty;

    public string TrustPath { get; set; } = string.Empty;

    public PluginStore Store { get; set; } = null!;

    public VersionHistory Versions { get; set; } = null!;

    /// <summary>Gets or sets the runtimes in use, by name: those registered, less those <see cref="HotplugOptions.DisabledRuntimes"/> names.</summary>
    public IReadOnlyDictionary<string, IPluginRuntime> Runtimes { get; set; } = new Dictionary<string, IPluginRuntime>();

    /// <summary>Gets or sets how packages are verified; replaced when the trust folder changes.</summary>
    public VerificationPolicy? Verification
    {
        get => Volatile.Read(ref _verification);
        set => Volatile.Write(ref _verification, value);
    }

    /// <summary>Gets a token cancelled when the host begins to stop.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Gets a token cancelled when the host's stop stops waiting for calls in flight.</summary>
    public CancellationToken DrainCutoff => _drainCutoff.Token;

    public bool IsStopping => _stopping.IsCancellationRequested;

    /// <summary>Begins the host's stop: everything under way is cancelled, and drains are cut off at the stop timeout.</summary>
    public async Task BeginStopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _drainCutoff.CancelAfter(Options.StopTimeout);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _drainCutoff.Dispose();
    }
}
