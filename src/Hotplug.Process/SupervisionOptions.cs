namespace Hotplug.Process;

/// <summary>How a crashed plugin process is restarted, and when the host gives up on it.</summary>
public sealed class SupervisionOptions
{
    /// <summary>Gets or sets the wait before the first restart; each further failure doubles it.</summary>
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
    public int MaxFailures { get; set; } = 5;

    /// <summary>Gets or sets the window failures are counted in.</summary>
    /// <value>Defaults to 1 minute.</value>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);
}
