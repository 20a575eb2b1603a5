namespace Hotplug.Hosting;

/// <summary>
/// When to try a failed write again: one second after the first failure, doubling up to a minute, so a full or
/// read-only disk is retried on its own, without a file event, and without spinning.
/// </summary>
internal sealed class RetryBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(1);
    private TimeSpan _next = First;

    /// <summary>Gets when to try again, or <see langword="null"/> when nothing failed.</summary>
    public DateTimeOffset? Due { get; private set; }

    /// <summary>Records a failure at <paramref name="now"/>.</summary>
    /// <returns>How long until the next try.</returns>
    public TimeSpan Failed(DateTimeOffset now)
    {
        var wait = _next;
        Due = now + wait;
        _next = wait * 2 < Longest ? wait * 2 : Longest;
        return wait;
    }

    /// <summary>Records a success: the next failure waits the shortest time again.</summary>
    public void Succeeded()
    {
        Due = null;
        _next = First;
    }

    /// <summary>How long until a try is due at <paramref name="now"/>: zero when due, <see langword="null"/> when nothing failed.</summary>
    public TimeSpan? Wait(DateTimeOffset now) => Due is { } due ? (due > now ? due - now : TimeSpan.Zero) : null;
}
