namespace Hotplug.Runtimes;

/// <summary>What became of a plugin version its runtime released (<see cref="IPluginVersion.ReleaseAsync"/>).</summary>
public enum ReleaseOutcome
{
    /// <summary>Nothing of the version lives in the host's process once it has stopped (an out-of-process version): there is nothing to verify.</summary>
    NotApplicable,

    /// <summary>The version's code was unloaded and verified collected.</summary>
    Collected,

    /// <summary>The version's code was still alive when the release timeout passed; <see cref="ReleaseResult.Reason"/> says what the runtime knows of why.</summary>
    Leaked,

    /// <summary>The host stopped before the runtime could tell whether the version is gone.</summary>
    Unverified,
}

/// <summary>What a runtime reports of a released plugin version; the host records it in the version's history.</summary>
public readonly record struct ReleaseResult
{
    private ReleaseResult(ReleaseOutcome outcome, string? reason)
    {
        Outcome = outcome;
        Reason = reason;
    }

    /// <summary>Gets what became of the version.</summary>
    public ReleaseOutcome Outcome { get; }

    /// <summary>Gets why, for <see cref="ReleaseOutcome.Leaked"/> (what holds the version alive) and <see cref="ReleaseOutcome.Unverified"/>; otherwise <see langword="null"/>.</summary>
    public string? Reason { get; }

    /// <summary>Gets the result of a version that leaves nothing in the host's process.</summary>
    public static ReleaseResult NotApplicable { get; } = new(ReleaseOutcome.NotApplicable, null);

    /// <summary>Gets the result of a version verified collected.</summary>
    public static ReleaseResult Collected { get; } = new(ReleaseOutcome.Collected, null);

    /// <summary>Creates the result of a version still alive after the release timeout.</summary>
    /// <param name="reason">What the runtime knows of why, such as the static fields that hold one of its objects.</param>
    /// <returns>The result.</returns>
    public static ReleaseResult Leaked(string reason) => new(ReleaseOutcome.Leaked, reason);

    /// <summary>Creates the result of a release the host stopped waiting for.</summary>
    /// <param name="reason">Why it is not known.</param>
    /// <returns>The result.</returns>
    public static ReleaseResult Unverified(string reason) => new(ReleaseOutcome.Unverified, reason);
}
