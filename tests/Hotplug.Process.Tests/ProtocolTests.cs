using System.Text.RegularExpressions;
using Hotplug.Process.Protocol;

namespace Hotplug.Process.Tests;

/// <summary>The protocol both sides build from (Hotplug.Process.Protocol): what one side writes, the other reads.</summary>
public sealed class ProtocolTests
{
    [Theory]
    [InlineData(1, "unix", "/tmp/hp-0c9f2a1b3d/plugin1804289383", "MIIBwjCCAWmgAwIBAgIQ")]
    [InlineData(3, "tcp", "127.0.0.1:10123", "")]
    [InlineData(1, "stdio", "-", "MIIB")]
    public void Handshake_WrittenByThePluginSide_ReadByTheHostSide(int app, string network, string address, string certificate)
    {
        var written = new Handshake(Handshake.SupportedCoreProtocol, app, network, address, Handshake.Grpc, certificate);

        var line = written.ToString();
        var parsed = Handshake.TryParse(line, out var read, out var problem);

        Assert.True(parsed, problem);
        Assert.Equal(written, read);
        Assert.Equal($"1|{app}|{network}|{address}|grpc|{certificate}", line);
    }

    [Fact]
    public void Certificate_ForTheHandshake_UnpaddedAndReadBack()
    {
        using var certificate = GoPluginCertificate.Create();

        var text = GoPluginCertificate.ToHandshake(certificate);

        Assert.DoesNotContain('=', text);
        Assert.Equal(certificate.RawData, GoPluginCertificate.FromHandshake(text));
    }

    [Theory]
    [InlineData("greeting", "HOTPLUG_CONFIG_greeting")]
    [InlineData("limits:max", "HOTPLUG_CONFIG_limits__max")]
    public void ConfigVariable_NestedKeysJoinedAsDotnetReadsThem(string key, string variable)
    {
        Assert.Equal(variable, ProtocolEnvironment.ConfigVariable(key));
    }

    [Theory]
    [InlineData("PLUGIN_CLIENT_CERT", true)]
    [InlineData("HOTPLUG_TRANSPORT", true)]
    [InlineData("HOTPLUG_PLUGIN", true)]
    [InlineData("PATH", false)]
    [InlineData("MY_PLUGIN_KEY", false)]
    public void IsProtocolVariable_GoPluginsAndHotplugsOwn(string name, bool protocol)
    {
        Assert.Equal(protocol, ProtocolEnvironment.IsProtocolVariable(name, StringComparison.Ordinal));
    }

    [Fact]
    public void Variables_NamedOnce_AsTheProtocolPageSays()
    {
        Assert.Equal("PLUGIN_PROTOCOL_VERSIONS", ProtocolEnvironment.ProtocolVersions);
        Assert.Equal("PLUGIN_MIN_PORT", ProtocolEnvironment.MinPort);
        Assert.Equal("PLUGIN_MAX_PORT", ProtocolEnvironment.MaxPort);
        Assert.Equal("PLUGIN_UNIX_SOCKET_DIR", ProtocolEnvironment.UnixSocketFolder);
        Assert.Equal("PLUGIN_CLIENT_CERT", ProtocolEnvironment.ClientCertificate);
        Assert.Equal("HOTPLUG_PLUGIN_ID", ProtocolEnvironment.PluginId);
        Assert.Equal("HOTPLUG_PLUGIN_VERSION", ProtocolEnvironment.PluginVersion);
        Assert.Equal("HOTPLUG_TRANSPORT", ProtocolEnvironment.Transport);
        Assert.Equal("HOTPLUG_HOST_SERVICES", ProtocolEnvironment.HostServices);
        Assert.Equal("HOTPLUG_HOST_SERVICES_BROKER_ID", ProtocolEnvironment.HostServicesBroker);
        Assert.Equal(4294967040u, ProtocolEnvironment.HostServicesBrokerId);
        Assert.Equal(("HOTPLUG_PLUGIN", "7d1f3c5e-hotplug"), (ProcessRuntimeOptions.DefaultMagicCookieKey, ProcessRuntimeOptions.DefaultMagicCookieValue));
        Assert.Equal((ProcessRuntimeOptions.DefaultMagicCookieKey, ProcessRuntimeOptions.DefaultMagicCookieValue), (new Plugin.GoPluginServerOptions().MagicCookieKey, new Plugin.GoPluginServerOptions().MagicCookieValue));
    }

    [Fact]
    public void Source_NoProtocolVariableSpelledOutsideTheProtocolProject()
    {
        // The names live in ProtocolEnvironment (and the bus's in BusMemberOptions); a literal anywhere else (a string,
        // a message) is a second copy that can drift.
        var src = Path.Combine(Repository.Root(), "src");
        var home = Path.Combine("Hotplug.Bus.Member", "BusMemberOptions.cs");
        var name = new Regex(@"\b(PLUGIN|HOTPLUG)_[A-Z]", RegexOptions.CultureInvariant);
        var found = Directory.GetDirectories(src)
            .Where(project => Path.GetFileName(project) != "Hotplug.Process.Protocol")
            .SelectMany(project => Directory.GetFiles(project, "*.cs", SearchOption.AllDirectories))
            .Where(f => Path.GetRelativePath(src, f) != home)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal)
                && !l.Text.TrimStart().StartsWith('#') // a preprocessor symbol (HOTPLUG_GENERATOR) is not a variable
                && name.IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(src, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        Assert.Empty(found);
    }

    [Fact]
    public void Source_GoPluginsProtoFiles_OnceInTheProtocolProject()
    {
        // go-plugin's services (package plugin) are compiled once, for both sides; a second .proto of them can drift.
        var root = Repository.Root();
        var ignored = new[] { "bin", "obj", "artifacts", ".git" };
        var found = Directory.GetFiles(root, "*.proto", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => !f.Split('/').Any(ignored.Contains))
            .Where(f => File.ReadLines(Path.Combine(root, f)).Any(l => l.Trim() == "package plugin;"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(
            ["src/Hotplug.Process.Protocol/Protos/grpc_broker.proto", "src/Hotplug.Process.Protocol/Protos/grpc_controller.proto", "src/Hotplug.Process.Protocol/Protos/grpc_stdio.proto"],
            found);
    }
}
