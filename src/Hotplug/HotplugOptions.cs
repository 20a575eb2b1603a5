namespace Hotplug;

/// <summary>
/// Settings of a Hotplug host. Validated when the host is started (<c>ValidateOnStart</c>), every error in one
/// message; frozen after. Each runtime has options of its own, such as <see cref="AssemblyRuntimeOptions"/>.
/// </summary>
public sealed class HotplugOptions
{
    /// <summary>Gets or sets the folder watched for plugins; each subfolder is one plugin.</summary>
    /// <value>Defaults to <c>plugins</c> under the current directory.</value>
    public string PluginsPath { get; set; } = "plugins";

    /// <summary>Gets or sets the host's state folder: the immutable store and host files live here.</summary>
    /// <value>Defaults to <c>.hotplug</c> under the current directory.</value>
    public string StatePath { get; set; } = ".hotplug";

    /// <summary>Gets or sets how often the plugins folder is rescanned, in case file system events were lost.</summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how long a plugin folder must stay unchanged (names, sizes, write times) before it is
    /// staged, so that a folder still being copied is never loaded half-written.
    /// </summary>
    /// <value>Defaults to 1 second.</value>
    public TimeSpan StabilityWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the call timeout of plugins whose manifest sets none.</summary>
    /// <value>Defaults to 30 seconds. <see cref="Timeout.InfiniteTimeSpan"/> turns it off.</value>
    public TimeSpan DefaultCallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the drain timeout of plugins whose manifest sets none.</summary>
    /// <value>Defaults to 30 seconds.</value>
    /// <remarks>When a version is replaced or taken offline, its calls in flight get this long to finish before it is stopped anyway.</remarks>
    public TimeSpan DefaultDrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long a plugin's <c>StartAsync</c> plus its first health check may take.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how often the active version of each plugin is health-checked while it serves. A version that
    /// reports degraded or unhealthy is shown <see cref="PluginState.Degraded"/> with the reason, and keeps serving.
    /// </summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long one periodic health check of a serving version may take.</summary>
    /// <value>Defaults to 5 seconds.</value>
    /// <remarks>
    /// A check that has not answered by then reports the version unhealthy (shown <see cref="PluginState.Degraded"/>).
    /// It is its own bound, not <see cref="StartTimeout"/>: a hung plugin is seen within one interval plus this. The
    /// process runtime also checks each of its processes on its own (its <c>Supervision</c> options), and replaces one
    /// that stops answering.
    /// </remarks>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long a plugin's <c>StopAsync</c> may take.</summary>
    /// <value>Defaults to 10 seconds.</value>
    /// <remarks>
    /// It also bounds the host's own stop, whatever a plugin does: calls still in flight get at most this long to
    /// finish (less when a plugin's drain timeout is shorter), then each version gets this long to stop. Calls
    /// still running then are abandoned, and the number abandoned is on record in the version's history.
    /// </remarks>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how long a retired version's runtime may take to verify that the version is gone before it is
    /// reported leaked: for an assembly plugin, how long the runtime runs garbage collections for its load context to
    /// be collected.
    /// </summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan UnloadTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets whether every package must be signed by a trusted key. Turning it off is a development
    /// mode: unsigned packages load (with their file list still checked when they have one), and the host
    /// logs a warning for each.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool RequireSignedPackages { get; set; } = true;

    /// <summary>Gets or sets the trust folder (<c>*.pub</c>, <c>pins.json</c>, <c>revoked.txt</c>) or a single <c>.pub</c> file.</summary>
    /// <value>Defaults to <c>trust</c> under <see cref="StatePath"/>.</value>
    public string? TrustPath { get; set; }

    /// <summary>Gets or sets how many bytes a zipped package may expand to; a larger one is rejected before it fills the disk.</summary>
    /// <value>Defaults to 512 MiB.</value>
    public long MaxPackageSize { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Gets or sets how many files a package may hold (for a zip, how many entries); a package with more is
    /// rejected (<c>HP1025</c>) before anything of it is copied or extracted.
    /// </summary>
    /// <value>Defaults to 10,000.</value>
    public int MaxPackageFiles { get; set; } = 10_000;

    /// <summary>
    /// Gets or sets how many earlier versions of each plugin the store keeps for a rollback, besides the versions
    /// in use. The store keeps, for each plugin, every version that runs, starts or drains, every version a
    /// plugin folder describes, and this many of the versions
    /// that were active most recently before them; it deletes the rest once nothing is being staged.
    /// </summary>
    /// <value>Defaults to 2: the previous version and the one before it.</value>
    /// <remarks>0 keeps only what is in use. A version deleted from the store is staged again from its package if it comes back.</remarks>
    public int RetainedVersions { get; set; } = 2;

    /// <summary>Gets or sets how many earlier versions of each plugin are kept in status.</summary>
    /// <value>Defaults to 20.</value>
    public int HistoryLimit { get; set; } = 20;

    /// <summary>
    /// Gets the names of runtimes this host does not use although they are registered, such as <c>assembly</c>: a host
    /// that must never run plugin code in its own process disables it. A manifest that names a disabled runtime is
    /// rejected as naming an unknown runtime (<c>HP1109</c>).
    /// </summary>
    /// <value>Empty by default. Each name must be one of a registered runtime, checked when the host starts.</value>
    /// <remarks><c>IHotplugBuilder.DisableRuntime(name)</c> adds to it.</remarks>
    public ISet<string> DisabledRuntimes { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets the names of extra assemblies that plugins share with the host (one type identity), beyond
    /// <c>Hotplug.Abstractions</c> and the host's contract assemblies, which are always shared.
    /// </summary>
    /// <value>Empty by default. Forwarded to <see cref="AssemblyRuntimeOptions.SharedAssemblies"/>.</value>
    [Obsolete("Shared assemblies are the assembly runtime's setting: use AddAssemblyRuntime(o => o.SharedAssemblies.Add(name)). Names added here are still forwarded to it.")]
    public IList<string> SharedAssemblies { get; } = [];

    /// <summary>Checks the settings.</summary>
    /// <param name="runtimeNames">The names of the registered runtimes, to check <see cref="DisabledRuntimes"/> against; <see langword="null"/> not to.</param>
    /// <returns>What is wrong, one sentence each; empty when nothing is.</returns>
    internal List<string> Validate(IEnumerable<string>? runtimeNames)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(PluginsPath))
        {
            errors.Add($"{nameof(PluginsPath)} must name a folder.");
        }

        if (string.IsNullOrWhiteSpace(StatePath))
        {
            errors.Add($"{nameof(StatePath)} must name a folder.");
        }

        Positive(RescanInterval, nameof(RescanInterval), errors);
        NotNegative(StabilityWindow, nameof(StabilityWindow), errors);
        PositiveOrInfinite(DefaultCallTimeout, nameof(DefaultCallTimeout), errors);
        Positive(DefaultDrainTimeout, nameof(DefaultDrainTimeout), errors);
        Positive(StartTimeout, nameof(StartTimeout), errors);
        Positive(StopTimeout, nameof(StopTimeout), errors);
        Positive(HealthCheckInterval, nameof(HealthCheckInterval), errors);
        Positive(HealthCheckTimeout, nameof(HealthCheckTimeout), errors);
        Positive(UnloadTimeout, nameof(UnloadTimeout), errors);
        if (MaxPackageSize <= 0)
        {
            errors.Add($"{nameof(MaxPackageSize)} must be positive; it is {MaxPackageSize}.");
        }

        if (MaxPackageFiles <= 0)
        {
            errors.Add($"{nameof(MaxPackageFiles)} must be positive; it is {MaxPackageFiles}.");
        }

        if (RetainedVersions < 0)
        {
            errors.Add($"{nameof(RetainedVersions)} must not be negative; it is {RetainedVersions}.");
        }

        if (HistoryLimit < 0)
        {
            errors.Add($"{nameof(HistoryLimit)} must not be negative; it is {HistoryLimit}.");
        }

        if (runtimeNames is not null)
        {
            var known = runtimeNames.ToHashSet(StringComparer.Ordinal);
            foreach (var name in DisabledRuntimes.Where(n => !known.Contains(n)).Order(StringComparer.Ordinal))
            {
                errors.Add($"{nameof(DisabledRuntimes)} names '{name}', which no registered runtime has; registered: {(known.Count == 0 ? "none" : string.Join(", ", known.Order(StringComparer.Ordinal)))}.");
            }
        }

        return errors;
    }

    /// <summary>Throws when the settings are invalid, with every error in one message.</summary>
    /// <exception cref="PluginException">The settings are invalid.</exception>
    internal void ThrowIfInvalid(IEnumerable<string>? runtimeNames)
    {
        if (Validate(runtimeNames) is { Count: > 0 } errors)
        {
            throw new PluginException(ErrorMessage(errors));
        }
    }

    /// <summary>The one message all errors are reported in.</summary>
    internal static string ErrorMessage(IEnumerable<string> errors) => "Invalid Hotplug options: " + string.Join(" ", errors);

    private static void Positive(TimeSpan value, string name, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive; it is {value}.");
        }
    }

    private static void NotNegative(TimeSpan value, string name, List<string> errors)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{name} must not be negative; it is {value}.");
        }
    }

    private static void PositiveOrInfinite(TimeSpan value, string name, List<string> errors)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            errors.Add($"{name} must be positive or Timeout.InfiniteTimeSpan; it is {value}.");
        }
    }
}
