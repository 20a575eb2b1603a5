using Microsoft.Extensions.Logging;

namespace Hotplug.Bus;

internal static partial class HubLog
{
    [LoggerMessage(1, LogLevel.Information, "Bus member {Member} joined, serving {Contracts}.")]
    public static partial void Joined(ILogger logger, string member, string contracts);

    [LoggerMessage(2, LogLevel.Warning, "Bus member {Member} is offline: {Why}.")]
    public static partial void MemberGone(ILogger logger, string member, string why);

    [LoggerMessage(3, LogLevel.Information, "Bus member {Member} is online again.")]
    public static partial void MemberBack(ILogger logger, string member);

    [LoggerMessage(4, LogLevel.Warning, "Bus member {Member} refused: {Why}.")]
    public static partial void Refused(ILogger logger, string member, string why);

    [LoggerMessage(5, LogLevel.Warning, "A bus peer ({Peer}) sent a message the hub cannot read: {Reason}")]
    public static partial void Malformed(ILogger logger, string peer, string reason);

    [LoggerMessage(6, LogLevel.Information, "{Call} sent again to member {Member}: {Why}.")]
    public static partial void Resent(ILogger logger, string call, string why, string member);

    [LoggerMessage(9, LogLevel.Information, "Bus hub: members join at {Endpoints}; hub key {HubKey}.")]
    public static partial void Listening(ILogger logger, string endpoints, string hubKey);

    [LoggerMessage(8, LogLevel.Information, "Bus member {Member} left.")]
    public static partial void Left(ILogger logger, string member);

    [LoggerMessage(7, LogLevel.Warning, "Work item {Call} failed on member {Member}: {Error}")]
    public static partial void ItemFailed(ILogger logger, string call, string member, string error);
}
