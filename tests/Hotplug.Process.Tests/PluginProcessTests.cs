using System.Diagnostics;
using Grpc.Health.V1;
using Hotplug.Process.Protocol;
using Microsoft.Extensions.Logging;

namespace Hotplug.Process.Tests;

/// <summary>Starts a real Go plugin written with hashicorp go-plugin.</summary>
public sealed class PluginProcessTests
{
    [Fact]
    public async Task Start_GoPlugin_HandshakeOverUnixSocketAndHealthServing()
    {
        var logger = new ListLogger();
        await using var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], GoPlugins.Options(), logger, CancellationToken.None);

        var health = await plugin.CheckHealthAsync(CancellationToken.None);

        Assert.Equal(1, plugin.Handshake.CoreProtocol);
        Assert.Equal(1, plugin.Handshake.AppProtocol);
        Assert.Equal("unix", plugin.Handshake.Network);
        Assert.Equal("grpc", plugin.Handshake.Protocol);
        Assert.True(plugin.Handshake.Address.Length < 104, plugin.Handshake.Address);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health);
        Assert.True(plugin.IsMutualTls);
        Assert.NotEmpty(plugin.Handshake.ServerCertificate);
        // go-plugin logs as hclog JSON on standard error; the host turns it into structured entries.
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Debug && e.Message.StartsWith("plugin address", StringComparison.Ordinal) && e.Message.Contains("network=unix", StringComparison.Ordinal));
        // ... and structured loggers get its fields as properties.
        var address = Assert.Single(logger.Fields, f => f.Any(p => p.Key == "PluginOutput" && Equals(p.Value, "plugin address")));
        Assert.Contains(new KeyValuePair<string, object?>("network", "unix"), address);
        Assert.Contains(address, p => p.Key == "address" && p.Value is string path && path.StartsWith("/tmp/hp-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_GoPluginWithoutGrpcStdio_OneWarningAndItServes()
    {
        // Debian's go-plugin 1.0.1 predates plugin.GRPCStdio: go-plugin's own host warns and carries on, so does this one.
        var logger = new ListLogger();
        await using var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], GoPlugins.Options(), logger, CancellationToken.None);
        await logger.WhenLogged("plugin.GRPCStdio").WaitAsync(TimeSpan.FromSeconds(60));

        var health = await plugin.CheckHealthAsync(CancellationToken.None);

        var warning = Assert.Single(logger.Entries, e => e.Message.Contains("plugin.GRPCStdio", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("minimal", warning.Message, StringComparison.Ordinal);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health);
    }

    [Fact]
    public async Task Start_AutoMtlsOff_PlainConnectionStillServes()
    {
        await using var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], GoPlugins.Options(o => o.AutoMtls = false), new ListLogger(), CancellationToken.None);

        Assert.False(plugin.IsMutualTls);
        Assert.Empty(plugin.Handshake.ServerCertificate);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await plugin.CheckHealthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Connect_WithoutTheHostsCertificate_PluginRefusesTheConnection()
    {
        await using var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], GoPlugins.Options(), new ListLogger(), CancellationToken.None);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            ConnectCallback = async (_, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(plugin.Handshake.Address), ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        using var stranger = Grpc.Net.Client.GrpcChannel.ForAddress("https://localhost", new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = handler });

        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => new Health.HealthClient(stranger).CheckAsync(new HealthCheckRequest { Service = "plugin" }).ResponseAsync);
    }

    [Fact]
    public async Task Stop_ThroughTheController_PluginExitsOnItsOwn()
    {
        var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], GoPlugins.Options(), new ListLogger(), CancellationToken.None);
        var pid = plugin.ProcessId;

        var graceful = await plugin.StopAsync();
        await plugin.DisposeAsync();

        Assert.True(graceful);
        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(pid));
    }

    [Fact]
    public async Task Start_WrongMagicCookie_FailsNamingThePluginAndWhatItSaid()
    {
        var options = GoPlugins.Options(o => o.MagicCookieValue = "wrong");

        var error = await Assert.ThrowsAsync<PluginStartException>(() => PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], options, new ListLogger(), CancellationToken.None));

        Assert.Equal("minimal", error.PluginId);
        Assert.Contains("exited with code 1 before its handshake", error.Message);
        Assert.Contains("This binary is a plugin", error.Message);
    }

    [Fact]
    public async Task Start_UnsupportedProtocolVersion_FailsSayingWhichVersionsMet()
    {
        var options = GoPlugins.Options(o =>
        {
            o.ProtocolVersions.Clear();
            o.ProtocolVersions.Add(7);
        });

        var error = await Assert.ThrowsAsync<PluginStartException>(() => PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], options, new ListLogger(), CancellationToken.None));

        // go-plugin 1.0.1 falls back to its own version when it supports none the host offers.
        Assert.Contains("chose application protocol 1; this host speaks 7", error.Message);
    }

    [Fact]
    public async Task Start_GarbageBeforeTheHandshake_FailsQuotingWhatItPrinted()
    {
        var script = WriteScript("#!/bin/sh\necho 'hello, I am not a handshake'\nsleep 60\n");

        var error = await Assert.ThrowsAsync<PluginStartException>(() => PluginProcess.StartAsync("chatty", script, [], GoPlugins.Options(), new ListLogger(), CancellationToken.None));

        Assert.Equal("chatty", error.PluginId);
        Assert.Contains("\"hello, I am not a handshake\"", error.Message);
        Assert.Contains("handshake", error.Message);
    }

    [Fact]
    public async Task Start_SlowPastTheStartTimeout_FailsAndTheProcessIsKilled()
    {
        var marker = Path.Combine(Path.GetTempPath(), "hotplug-slow-" + Guid.NewGuid().ToString("N")[..8]);
        var script = WriteScript($"#!/bin/sh\necho $$ > {marker}.tmp && mv {marker}.tmp {marker}\nexec sleep 60\n");
        var options = GoPlugins.Options(o => o.StartTimeout = TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<PluginStartException>(() => PluginProcess.StartAsync("slow", script, [], options, new ListLogger(), CancellationToken.None));

        Assert.Contains("did not print its go-plugin handshake within the start timeout", error.Message);
        if (File.Exists(marker))
        {
            // (On a loaded machine the script may not have got as far as writing its pid before it was killed.)
            var pid = int.Parse(File.ReadAllText(marker).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await WaitUntilGoneAsync(pid);
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task Start_MissingExecutable_FailsClearly()
    {
        var error = await Assert.ThrowsAsync<PluginStartException>(() => PluginProcess.StartAsync("ghost", "/nonexistent/plugin", [], GoPlugins.Options(), new ListLogger(), CancellationToken.None));

        Assert.Contains("cannot be started", error.Message);
    }

    [Theory]
    [InlineData("1|1|unix|/tmp/p|grpc|", true, "")]
    [InlineData("1|3|tcp|127.0.0.1:1234|grpc|MIIB", true, "")]
    [InlineData("1|1|unix|/tmp/p", true, "")]
    [InlineData("2|1|unix|/tmp/p|grpc|", false, "core protocol 2")]
    [InlineData("1|x|unix|/tmp/p|grpc|", false, "not a number")]
    [InlineData("1|1|pipe|/tmp/p|grpc|", false, "none of 'unix', 'tcp' or 'stdio'")]
    [InlineData("hello", false, "not a go-plugin handshake")]
    public void TryParse_HandshakeLines(string line, bool valid, string problem)
    {
        var parsed = Handshake.TryParse(line, out var handshake, out var why);

        Assert.Equal(valid, parsed);
        if (valid)
        {
            Assert.NotNull(handshake);
        }
        else
        {
            Assert.Contains(problem, why);
        }
    }

    private static string WriteScript(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), "hotplug-script-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static async Task WaitUntilGoneAsync(int pid)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                if (process.HasExited)
                {
                    return;
                }
            }
            catch (ArgumentException)
            {
                return;
            }

            await Task.Delay(20, guard.Token);
        }
    }
}
