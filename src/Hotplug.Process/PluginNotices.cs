namespace Hotplug.Process;

/// <summary>
/// Warnings about what a plugin is, rather than what one of its processes did: said once for all the processes a
/// version runs — its pool, and every restart — not once per process.
/// </summary>
internal sealed class PluginNotices
{
    /// <summary>The plugin does not serve <c>plugin.GRPCStdio</c>.</summary>
    public const string NoGrpcStdio = "no-grpc-stdio";

    /// <summary>The plugin answered the host's certificate with none, and was allowed to.</summary>
    public const string Plaintext = "plaintext";

    private readonly HashSet<string> _given = new(StringComparer.Ordinal);

    /// <summary>Gets whether <paramref name="notice"/> is given for the first time (and marks it given).</summary>
    public bool First(string notice)
    {
        lock (_given)
        {
            return _given.Add(notice);
        }
    }
}
