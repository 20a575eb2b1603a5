namespace Hotplug.Bus;

/// <summary>Whether a member can be sent work.</summary>
public enum BusMemberState
{
    /// <summary>It said hello and is proving its key, or starting its plugin.</summary>
    Joining,

    /// <summary>It answers heartbeats and takes calls.</summary>
    Online,

    /// <summary>It stopped answering heartbeats; its calls went to other members. It is online again if it answers again.</summary>
    Offline,
}

/// <summary>One member of the bus, as the hub sees it.</summary>
/// <param name="Name">The member's name.</param>
/// <param name="Service">The service (bus plugin id) it serves.</param>
/// <param name="Version">The version it announced.</param>
/// <param name="Contracts">The contracts it serves.</param>
/// <param name="State">Whether it takes work.</param>
/// <param name="InFlight">Calls and work items it has not answered yet.</param>
/// <param name="Served">Calls, survey answers and work items it answered.</param>
/// <param name="Dropped">Published messages the hub dropped for it because it did not keep up.</param>
/// <param name="LastHeard">When the hub last heard from it.</param>
public sealed record BusMemberInfo(
    string Name,
    string Service,
    string Version,
    IReadOnlyList<string> Contracts,
    BusMemberState State,
    int InFlight,
    long Served,
    long Dropped,
    DateTimeOffset LastHeard);

/// <summary>A member's answer to a survey.</summary>
/// <typeparam name="T">The answer's type.</typeparam>
/// <param name="Member">The member that answered.</param>
/// <param name="Answer">Its answer.</param>
public readonly record struct SurveyAnswer<T>(string Member, T Answer);

/// <summary>What a survey gathered before its deadline.</summary>
/// <typeparam name="T">The answers' type.</typeparam>
/// <param name="Asked">How many members were asked.</param>
/// <param name="Answers">The answers that arrived in time, in the order they arrived.</param>
/// <param name="Failures">The members that answered with an error, and the error.</param>
public sealed record SurveyResult<T>(int Asked, IReadOnlyList<SurveyAnswer<T>> Answers, IReadOnlyList<KeyValuePair<string, string>> Failures);

/// <summary>A bus call failed on the member, or could not reach one; the message says which and why.</summary>
public sealed class BusCallException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed and where.</param>
    /// <param name="failure">What kind of failure it is.</param>
    /// <param name="remoteType">The type of the exception the member's handler threw, when it threw.</param>
    public BusCallException(string message, BusFailure failure = BusFailure.Failed, string? remoteType = null)
        : base(message)
    {
        Failure = failure;
        RemoteType = remoteType;
    }

    /// <summary>Gets what kind of failure it is.</summary>
    public BusFailure Failure { get; }

    /// <summary>Gets the full name of the exception type the member's handler threw, or <see langword="null"/>.</summary>
    public string? RemoteType { get; }
}

/// <summary>What kind of failure a <see cref="BusCallException"/> is.</summary>
public enum BusFailure
{
    /// <summary>The member's handler threw; <see cref="BusCallException.RemoteType"/> says what.</summary>
    Failed,

    /// <summary>The member that had the call vanished, and no other member serving the contract was online to take it.</summary>
    MemberVanished,

    /// <summary>No member serving the contract was online within <see cref="BusHubOptions.NoMemberWait"/>.</summary>
    NoMember,

    /// <summary>The member refused the message: an unknown contract or operation, a message it could not read, or one over the size limit.</summary>
    Refused,

    /// <summary>The host's bus stopped.</summary>
    Stopped,
}
