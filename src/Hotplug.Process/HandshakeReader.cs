using System.Text;
using Hotplug.Process.Protocol;
using Hotplug.Process.Protocol.Frames;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process;

/// <summary>
/// Reads a plugin's handshake from its standard output and checks it: a line of bounded length, a handshake, a
/// protocol and version this host speaks, the transport the host asked for, and a certificate where AutoMTLS wants one.
/// Each refusal names the plugin and says what it printed or what to do.
/// </summary>
internal static class HandshakeReader
{
    /// <summary>
    /// The longest handshake line the host reads, in bytes: 8 KiB. A real one is under 1 KiB (an address of at most
    /// 104 bytes and a certificate of a few hundred); a plugin that prints more without a line break is refused.
    /// </summary>
    public const int MaxLineBytes = 8 * 1024;

    /// <summary>Reads the handshake line and checks it.</summary>
    /// <returns>The handshake, and the bytes of standard output read past its line (what the plugin printed next).</returns>
    public static async Task<(Handshake Handshake, ReadOnlyMemory<byte> Following)> ReadAsync(string pluginId, System.Diagnostics.Process process, StderrForwarder stderr, ProcessPluginOptions options, bool fastLaneOffered, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        (string? Line, bool TooLong, ReadOnlyMemory<byte> Following) read;
        try
        {
            read = await ReadLineAsync(process.StandardOutput.BaseStream, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PluginStartException($"Plugin '{pluginId}' did not print its go-plugin handshake within the start timeout of {options.StartTimeout.TotalSeconds:0.#} s.{Explain(stderr)}", pluginId);
        }

        var line = read.Line;
        if (read.TooLong)
        {
            // Read no further: what a plugin prints must not fill the host's memory.
            throw new PluginStartException(ProcessErrors.HandshakeTooLong, $"Plugin '{pluginId}' printed more than {MaxLineBytes / 1024} KiB on standard output without a line break where its go-plugin handshake was expected, starting \"{Shorten(line!)}\". A plugin must print nothing on standard output before its handshake: log to standard error.", pluginId);
        }

        if (line is null)
        {
            // Standard output closed: the plugin exited. Its standard error is read to its end for its last words.
            try
            {
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(PluginProcess.Drain.Limit, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // It closed its standard output and runs on: said below.
            }

            await stderr.DrainAsync(PluginProcess.Drain.Quiet, PluginProcess.Drain.Limit).ConfigureAwait(false);

            throw new PluginStartException(process.HasExited
                ? $"Plugin '{pluginId}' exited with code {process.ExitCode} before its handshake.{Explain(stderr)}"
                : $"Plugin '{pluginId}' closed its standard output before its handshake.{Explain(stderr)}", pluginId);
        }

        if (!Handshake.TryParse(line, out var handshake, out var problem))
        {
            throw new PluginStartException($"Plugin '{pluginId}' printed \"{Shorten(line)}\" where its go-plugin handshake was expected: {problem}. A plugin must print nothing on standard output before its handshake.{Explain(stderr)}", pluginId);
        }

        if (handshake!.Protocol == FrameProtocol.Name)
        {
            if (!fastLaneOffered)
            {
                throw new PluginStartException($"Plugin '{pluginId}' took Hotplug's fast lane ({FrameProtocol.Name}), which this host did not offer it; it offered gRPC.", pluginId);
            }

            if (handshake.Network != Handshake.Networks.Unix)
            {
                throw new PluginStartException($"Plugin '{pluginId}' took Hotplug's fast lane on {handshake.Network}; the host offers it on a Unix socket only.", pluginId);
            }
        }
        else if (handshake.Protocol != Handshake.Grpc)
        {
            throw new PluginStartException($"Plugin '{pluginId}' speaks '{handshake.Protocol}'; this host speaks go-plugin's gRPC protocol only (serve with GRPCServer: plugin.DefaultGRPCServer).", pluginId);
        }

        if (handshake.Network == Handshake.Networks.Stdio && options.Transport != PluginTransport.Stdio)
        {
            throw new PluginStartException($"Plugin '{pluginId}' chose the stdio transport, which this host did not ask for; it asked for {options.Transport.ToString().ToLowerInvariant()}.", pluginId);
        }

        if (options.Transport == PluginTransport.Stdio && handshake.Network != Handshake.Networks.Stdio)
        {
            throw new PluginStartException($"Plugin '{pluginId}' was asked for the stdio transport but serves on {handshake.Network} {handshake.Address}: it does not speak Hotplug's stdio transport (a Go go-plugin plugin cannot); use \"transport\": \"unix\" or \"tcp\".", pluginId);
        }

        if (!options.ProtocolVersions.Contains(handshake.AppProtocol))
        {
            throw new PluginStartException($"Plugin '{pluginId}' chose application protocol {handshake.AppProtocol}; this host speaks {string.Join(", ", options.ProtocolVersions)}.", pluginId);
        }

        if (handshake.Network == Handshake.Networks.Stdio && read.Following.Length > 0)
        {
            throw new PluginStartException($"Plugin '{pluginId}' printed more on standard output after its handshake, before the host spoke: on the stdio transport, standard output carries the handshake line and then only the connection.", pluginId);
        }

        return (handshake, read.Following);
    }

    /// <summary>
    /// With AutoMTLS, a plugin that answers with no certificate would serve in plaintext, reachable by whoever reaches
    /// its socket (any local process, over TCP), as would the host services offered to it: refused unless the host
    /// allows it for this plugin. The stdio transport has no socket: nothing to refuse there.
    /// </summary>
    public static void RefusePlaintext(string pluginId, Handshake handshake, AutoMtls? mtls, ProcessPluginOptions options, ILogger logger)
    {
        if (mtls is null || handshake.ServerCertificate.Length > 0 || handshake.Network == Handshake.Networks.Stdio)
        {
            return;
        }

        if (!options.AllowPlaintext)
        {
            var reach = handshake.Network == Handshake.Networks.Tcp
                ? "any local process could call it on 127.0.0.1, and the host services offered to it would listen there unauthenticated"
                : "other processes of this user could call it on its socket";
            throw new PluginStartException(ProcessErrors.PlaintextRefused, $"Plugin '{pluginId}' did not answer the host's certificate (go-plugin's AutoMTLS): it serves without TLS, so {reach}. Build it with AutoMTLS (go-plugin 1.0 or later, or Hotplug.Process.Plugin, answers {ProtocolEnvironment.ClientCertificate}), or allow plaintext for this plugin: ProcessRuntimeOptions.AllowPlaintext.Add(\"{pluginId}\").", pluginId);
        }

        if (options.Notices.First(PluginNotices.Plaintext))
        {
            logger.LogWarning("Plugin {PluginId} did not answer the host's certificate; it is allowed to, and its connection is not TLS", pluginId);
        }
    }

    internal static string Explain(StderrForwarder stderr) =>
        stderr.LastLines is { Count: > 0 } lines ? $" Its standard error said: {string.Join(" | ", lines)}" : string.Empty;

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..197] + "...";

    /// <summary>
    /// Reads the first line of a plugin's standard output, never more than <see cref="MaxLineBytes"/> bytes of it.
    /// </summary>
    /// <returns>
    /// The line without its line break (what there was, if the output ended without one; <see langword="null"/> if
    /// it ended with nothing); whether the plugin printed more than the limit without a line break (then the line is
    /// its first bytes); and the bytes read past the line break, which belong to whoever reads the output next.
    /// </returns>
    public static async Task<(string? Line, bool TooLong, ReadOnlyMemory<byte> Following)> ReadLineAsync(Stream output, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxLineBytes + 1];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await output.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return (filled == 0 ? null : Decode(buffer.AsSpan(0, filled)), false, ReadOnlyMemory<byte>.Empty);
            }

            var end = buffer.AsSpan(filled, read).IndexOf((byte)'\n');
            filled += read;
            if (end >= 0)
            {
                var length = filled - read + end;
                return (Decode(buffer.AsSpan(0, length)), false, buffer.AsMemory(length + 1, filled - length - 1));
            }
        }

        return (Decode(buffer.AsSpan(0, MaxLineBytes)), true, ReadOnlyMemory<byte>.Empty);
    }

    private static string Decode(ReadOnlySpan<byte> line) => Encoding.UTF8.GetString(line).TrimEnd('\r');
}
