using System.Reflection;

namespace Hotplug.Cli.Tests;

/// <summary><c>hotplug proto</c>, whose output the Go test plugin ranker is built from.</summary>
public sealed class ProtoCommandTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "hotplug-proto-tests", Guid.NewGuid().ToString("N")[..10]);

    private static string RankingContracts => typeof(Ranking.Contracts.IRanker).Assembly.Location;

    public void Dispose()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }

    [Fact]
    public async Task Proto_RankingContracts_WritesExactlyTheFileTheGoPluginIsBuiltFrom()
    {
        var committed = typeof(ProtoCommandTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RankerProto").Value!;

        var result = await CliProcess.RunAsync("proto", RankingContracts, "--option", "go_package=hotplug/rankerpb");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(File.ReadAllText(committed), result.Out);
    }

    [Fact]
    public async Task Proto_Out_WritesOneFilePerContract()
    {
        var testContracts = typeof(Hotplug.TestContracts.IEcho).Assembly.Location;

        var result = await CliProcess.RunAsync("proto", testContracts, "--out", _out);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(["echo.proto", "other.proto", "streams.proto", "work.proto"], Directory.GetFiles(_out).Select(Path.GetFileName).Order());
        Assert.Contains("rpc Shout(stream ShoutRequest) returns (stream ShoutResponse);", File.ReadAllText(Path.Combine(_out, "echo.proto")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proto_HostServiceInterfaceByName_WritesTheServiceAHostServesThroughTheBroker()
    {
        var result = await CliProcess.RunAsync("proto", RankingContracts, "--contract", "IItemStore");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("package ranking.contracts;", result.Out, StringComparison.Ordinal);
        Assert.Contains("rpc Find(FindRequest) returns (FindResponse);", result.Out, StringComparison.Ordinal);
        Assert.Contains("rpc All(google.protobuf.Empty) returns (AllResponse);", result.Out, StringComparison.Ordinal);
        Assert.Contains("As a host service", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proto_UnknownContract_FailsNamingIt()
    {
        var result = await CliProcess.RunAsync("proto", RankingContracts, "--contract", "nope/v9");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no contract named nope/v9", result.Error, StringComparison.Ordinal);
    }
}
