namespace Hotplug.Process;

/// <summary>
/// How each plugin process is kept alive: checked for liveness while it runs, restarted when it dies or hangs,
/// and given up on (quarantined) when it keeps failing.
/// </summary>
/// <remarks>
/// Each process of a pool is watched on its own. A process that exits, or that fails
/// <see cref="MaxFailedHealthChecks"/> health checks in a row, or whose calls run into their call timeout
/// <see cref="MaxCallTimeouts"/> times in a row and which then does not answer a health check at once, is a failure: it leaves the pool's rotation at once (the pool's
/// other processes keep serving), a hung one is killed, and a new process is started after the backoff. With the
/// defaults a process that stops answering is out of rotation within
/// <c>MaxFailedHealthChecks × HealthCheckInterval + HealthCheckTimeout</c> (12 s), under three intervals.
/// </remarks>
public sealed class SupervisionOptions
{
    /// <summary>
    /// Gets or sets the wait before the first restart; each further failure within <see cref="FailureWindow"/> doubles
    /// it (a crash right after a restart as much as a failed start), up to <see cref="MaxBackoff"/>. A process that runs
    /// a whole window without failing starts again from this wait.
    /// </summary>
    /// <value>Defaults to 200 milliseconds.</value>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the longest wait between restarts.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how much each wait is randomly stretched or shrunk, so plugins that crash together do not restart together.</summary>
    /// <value>Defaults to 0.2 (±20%).</value>
    public double Jitter { get; set; } = 0.2;

    /// <summary>Gets or sets how many failures within <see cref="FailureWindow"/> quarantine the plugin: it is not restarted again.</summary>
    /// <value>Defaults to 5.</value>
    /// <remarks>A process killed because it hung counts as a failure, as a crash does.</remarks>
    public int MaxFailures { get; set; } = 5;

    /// <summary>Gets or sets the window failures are counted in.</summary>
    /// <value>Defaults to 1 minute.</value>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets how often each running process is asked, through <c>grpc.health.v1</c>, whether it is alive.
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns the checks off (a process is then replaced only when it exits
    /// or its calls time out).
    /// </summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long one liveness check may take before it counts as failed.</summary>
    /// <value>Defaults to 2 seconds.</value>
    /// <remarks>
    /// Also bounds each process's answer when the host checks the version's health, so a hung process makes a
    /// version check report it rather than wait.
    /// </remarks>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how many liveness checks in a row a process may fail before it is killed and replaced.</summary>
    /// <value>Defaults to 2.</value>
    /// <remarks>A process that answers, even "not serving", is alive; a check fails when it gets no answer in time or the connection is broken.</remarks>
    public int MaxFailedHealthChecks { get; set; } = 2;

    /// <summary>
    /// Gets or sets how many calls in a row may run into their call timeout on one process before it is checked at
    /// once: if it does not answer within <see cref="HealthCheckTimeout"/> it is hung, and killed and replaced; if it
    /// answers it is only slow, and serves on. Only deadlines the host set from the plugin's <c>callTimeout</c> count;
    /// any answer resets the count.
    /// </summary>
    /// <value>Defaults to 3.</value>
    public int MaxCallTimeouts { get; set; } = 3;

    /// <summary>Adds what is wrong with the settings to <paramref name="errors"/>, each named as <c>Supervision.Name</c>.</summary>
    internal void Validate(ICollection<string> errors)
    {
        if (InitialBackoff < TimeSpan.Zero)
        {
            errors.Add($"Supervision.{nameof(InitialBackoff)} must not be negative; it is {InitialBackoff}.");
        }

        if (MaxBackoff < InitialBackoff)
        {
            errors.Add($"Supervision.{nameof(MaxBackoff)} must be at least {nameof(InitialBackoff)}; it is {MaxBackoff}.");
        }

        if (Jitter is < 0 or > 1 || double.IsNaN(Jitter))
        {
            errors.Add($"Supervision.{nameof(Jitter)} must be from 0 to 1; it is {Jitter}.");
        }

        if (HealthCheckInterval <= TimeSpan.Zero && HealthCheckInterval != Timeout.InfiniteTimeSpan)
        {
            errors.Add($"Supervision.{nameof(HealthCheckInterval)} must be positive, or Timeout.InfiniteTimeSpan to turn the checks off; it is {HealthCheckInterval}.");
        }

        if (HealthCheckTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Supervision.{nameof(HealthCheckTimeout)} must be positive; it is {HealthCheckTimeout}.");
        }

        foreach (var (name, value) in new[] { (nameof(MaxFailures), MaxFailures), (nameof(MaxFailedHealthChecks), MaxFailedHealthChecks), (nameof(MaxCallTimeouts), MaxCallTimeouts) })
        {
            if (value < 1)
            {
                errors.Add($"Supervision.{name} must be at least 1; it is {value}.");
            }
        }

        if (FailureWindow <= TimeSpan.Zero)
        {
            errors.Add($"Supervision.{nameof(FailureWindow)} must be positive; it is {FailureWindow}.");
        }
    }
}
