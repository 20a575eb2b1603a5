using Hotplug.TestContracts;

namespace Hotplug.Bus.Tests;

/// <summary>Hubs for the pattern tests: on a free loopback port, with heartbeats fast enough that a test sees members come and go.</summary>
internal static class Hubs
{
    public static BusHub Open(Action<BusHubOptions>? configure = null, BusKeys? keys = null)
    {
        var options = new BusHubOptions
        {
            AllowUnauthenticated = keys is null,
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
            MemberTimeout = TimeSpan.FromSeconds(3),
        };
        configure?.Invoke(options);
        return new BusHub(options, keys);
    }

    /// <summary>Waits until the hub sees what <paramref name="condition"/> asks of its members.</summary>
    public static async Task UntilAsync(this BusHub hub, Func<IReadOnlyList<BusMemberInfo>, bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Worker.Patience);
        while (!condition(hub.Members))
        {
            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The hub never saw {what}; its members: {string.Join(", ", hub.Members.Select(m => $"{m.Name} {m.State}"))}");
            }
        }
    }

    public static BusMemberState? StateOf(this BusHub hub, string member) => hub.Members.FirstOrDefault(m => m.Name == member)?.State;

    /// <summary>Waits until the workers together printed <paramref name="count"/> finished items.</summary>
    public static async Task UntilDoneAsync(IReadOnlyList<Worker> workers, int count)
    {
        using var timeout = new CancellationTokenSource(Worker.Patience);
        while (workers.Sum(w => w.Count("item ")) < count)
        {
            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Only {workers.Sum(w => w.Count("item "))} of {count} items were done.");
            }
        }
    }

    /// <summary>
    /// Asks every member of "work" once and waits for all <paramref name="members"/> answers: whatever a member sent the hub
    /// before (its subscriptions, channels) has then been read, for each travels on the member's one connection.
    /// </summary>
    public static async Task BarrierAsync(this BusHub hub, int members)
    {
        await hub.UntilOnlineAsync(members);
        var result = await hub.SurveyAsync<IWork, WorkReply>("work", w => w.DoAsync(new WorkRequest(0)), Worker.Patience);
        Assert.Equal(members, result.Answers.Count);
    }

    /// <summary>Waits until <paramref name="members"/> members are online: joined, their plugins started, taking work.</summary>
    public static Task UntilOnlineAsync(this BusHub hub, int members) =>
        hub.UntilAsync(all => all.Count(m => m.State == BusMemberState.Online) == members, $"{members} members online");
}
