using Grpc.Core;
using Hotplug.Process.Plugin;
using Hotplug.TestPlugins.DotnetProcess;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ranking.Contracts;

// A .NET plugin served over go-plugin's protocol, with the same handshake settings as the Go test plugins.
return await GoPluginServer.RunAsync(
    new GoPluginServerOptions
    {
        MagicCookieKey = "HOTPLUG_TEST_PLUGIN",
        MagicCookieValue = "d3c4f1a0",
    },
    configure: builder => builder.Services.AddPluginContract<IRanker>(new ScoreRanker()),
    map: app => app.MapGrpcService<WaiterService>());

/// <summary>Ranks by score, highest first: the ranking/v1 contract, which go-plugin Go hosts call from its exported .proto.</summary>
internal sealed class ScoreRanker : IRanker
{
    public ValueTask<RankResponse> RankAsync(RankRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new RankResponse([.. request.Items.OrderByDescending(i => i.Score).Select(i => i.Id)], "dotnet-by-score"));
}

/// <summary>Waits until the call is cancelled, and says so in the plugin's log, which the host reads.</summary>
internal sealed partial class WaiterService(ILogger<WaiterService> logger) : Waiter.WaiterBase
{
    public override async Task<WaitReply> Wait(WaitRequest request, ServerCallContext context)
    {
        LogStarted(logger, request.Key);
        // Console output reaches the host through plugin.GRPCStdio, not the handshake's pipe.
        Console.WriteLine($"console {request.Key}");
        Console.Error.WriteLine($"console error {request.Key}");
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogCancelled(logger, request.Key);
            throw;
        }

        return new WaitReply { Key = request.Key };
    }

    [LoggerMessage(2, LogLevel.Warning, "wait {Key} started")]
    private static partial void LogStarted(ILogger logger, string key);

    [LoggerMessage(1, LogLevel.Warning, "wait {Key} cancelled")]
    private static partial void LogCancelled(ILogger logger, string key);
}
