namespace Hotplug.Process;

/// <summary>
/// The stable codes of process plugins the host refuses to run. Each has a section in <c>docs/errors.md</c> that
/// says what happened and what to do; <see cref="PluginStartException.Code"/> carries it.
/// </summary>
public static class ProcessErrors
{
    /// <summary>AutoMTLS is on, the plugin answered with no certificate, and plaintext is not allowed for it.</summary>
    public const string PlaintextRefused = "HP1200";

    /// <summary>The plugin printed more than <c>8 KiB</c> on standard output without a line break where its handshake was expected.</summary>
    public const string HandshakeTooLong = "HP1201";
}
