using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hotplug.Process.Tests;

/// <summary>A plugin process sees only what it needs of the host's environment, and what the host or its manifest allow by name.</summary>
public sealed class EnvironmentTests
{
    [Fact]
    public async Task Start_HostEnvironmentHoldsSecrets_PluginSeesOnlyTheDefaultsTheProtocolAndAllowedNames()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var secret = "TEST_DB_PASSWORD_" + suffix;
        var allowed = "TEST_ALLOWED_" + suffix;
        var prefixed = "TEST_PREFIXED_" + suffix;
        System.Environment.SetEnvironmentVariable(secret, "hunter2");
        System.Environment.SetEnvironmentVariable(allowed, "yes");
        System.Environment.SetEnvironmentVariable(prefixed + "_ONE", "one");
        try
        {
            var options = GoPlugins.Options(o =>
            {
                o.InheritedEnvironment.Add(allowed);
                o.InheritedEnvironment.Add(prefixed + "*");
            });
            await using var plugin = await PluginProcess.StartAsync("minimal", GoPlugins.Minimal, [], options, new ListLogger(), CancellationToken.None);

            var environment = ProcFs.Environment(plugin.ProcessId);

            Assert.DoesNotContain(secret, environment.Keys);
            Assert.Equal("yes", environment[allowed]);
            Assert.Equal("one", environment[prefixed + "_ONE"]);
            Assert.Equal(System.Environment.GetEnvironmentVariable("PATH"), environment["PATH"]);
            Assert.Equal("d3c4f1a0", environment["HOTPLUG_TEST_PLUGIN"]);
            Assert.StartsWith("/tmp/hp-", environment["PLUGIN_UNIX_SOCKET_DIR"], StringComparison.Ordinal);
            // Nothing else of the host's: every variable is a default, the protocol's, or allowed.
            Assert.All(environment.Keys, name => Assert.True(
                PluginEnvironment.DefaultNames.Contains(name)
                || PluginEnvironment.DefaultPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
                || name.StartsWith("PLUGIN_", StringComparison.Ordinal)
                || name is "HOTPLUG_TEST_PLUGIN" or "TMPDIR" or Hotplug.Process.Protocol.ProtocolEnvironment.FastLane
                || name == allowed
                || name.StartsWith(prefixed, StringComparison.Ordinal),
                $"{name} reached the plugin"));
        }
        finally
        {
            System.Environment.SetEnvironmentVariable(secret, null);
            System.Environment.SetEnvironmentVariable(allowed, null);
            System.Environment.SetEnvironmentVariable(prefixed + "_ONE", null);
        }
    }

    [Fact]
    public async Task Load_ManifestNamesAVariable_ThePluginSeesItAndNotTheHostsOthers()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var named = "TEST_KV_ENDPOINT_" + suffix;
        var secret = "TEST_CLOUD_KEY_" + suffix;
        var hostWide = "TEST_HOST_WIDE_" + suffix;
        System.Environment.SetEnvironmentVariable(named, "kv:6379");
        System.Environment.SetEnvironmentVariable(secret, "AKIA...");
        System.Environment.SetEnvironmentVariable(hostWide, "all");
        try
        {
            await using var host = await TestHost.StartAsync(o => o.InheritedEnvironment.Add(hostWide));
            var healthy = host.WaitForAsync("minimal", PluginVersionState.Healthy, PluginVersionState.Failed, PluginVersionState.Rejected);
            host.InstallMinimal("minimal", new JsonObject { ["environment"] = new JsonArray(named) });
            Assert.Equal(PluginVersionState.Healthy, (await healthy).VersionState);

            var environment = ProcFs.Environment(Assert.Single(ProcFs.RunningFrom(host.Store)));

            Assert.Equal("kv:6379", environment[named]);
            Assert.Equal("all", environment[hostWide]);
            Assert.DoesNotContain(secret, environment.Keys);
            Assert.Equal("minimal", environment["HOTPLUG_PLUGIN_ID"]);
        }
        finally
        {
            System.Environment.SetEnvironmentVariable(named, null);
            System.Environment.SetEnvironmentVariable(secret, null);
            System.Environment.SetEnvironmentVariable(hostWide, null);
        }
    }

    [Theory]
    [InlineData("""["KV_*"]""")]
    [InlineData("""["A=B"]""")]
    [InlineData("""["1ABC"]""")]
    [InlineData("""[""]""")]
    [InlineData("""[42]""")]
    [InlineData(""" "PATH" """)]
    public void Read_EnvironmentNotAListOfNames_RejectedNamingTheField(string environment)
    {
        using var entry = JsonDocument.Parse($$"""{ "executable": "p", "environment": {{environment}} }""");

        var error = Assert.Throws<PluginManifestException>(() => ProcessEntry.Read(entry.RootElement));

        Assert.Equal("entry.environment", error.Field);
    }

    [Fact]
    public void Read_EnvironmentNames_Kept()
    {
        using var entry = JsonDocument.Parse("""{ "executable": "p", "environment": ["KV_ENDPOINT", "_X1"] }""");

        Assert.Equal(["KV_ENDPOINT", "_X1"], ProcessEntry.Read(entry.RootElement).Environment);
    }
}
