using System.Globalization;

namespace Hotplug.Bus;

/// <summary>The hub's record of one connected member. Guarded by the hub's lock.</summary>
internal sealed class HubMember(byte[] identity, string key)
{
    public byte[] Identity { get; } = identity;

    public string Key { get; } = key;

    public string Name { get; set; } = "";

    public string Service { get; set; } = "";

    public string Version { get; set; } = "";

    public HashSet<string> Contracts { get; set; } = new(StringComparer.Ordinal);

    public BusMemberState State { get; set; } = BusMemberState.Joining;

    public bool Welcomed { get; set; }

    public bool Started { get; set; }

    public string? Ticket { get; set; }

    /// <summary>The bus plugin version that launched this member, which alone sends it calls; <see langword="null"/> for a member that joined on its own.</summary>
    public HubService? Owner { get; set; }

    public byte[]? Nonce { get; set; }

    public byte[]? Challenge { get; set; }

    public byte[]? PublicKey { get; set; }

    /// <summary>The public key it presented (Z85), proved or not yet.</summary>
    public string? AnnouncedKey { get; set; }

    public int Credit { get; set; }

    public int InFlight { get; set; }

    public long Served { get; set; }

    public long Dropped;

    public long LastHeard { get; set; } = Environment.TickCount64;

    public long OfflineSince { get; set; }

    public long LastBeat { get; set; }

    public List<string> Subscriptions { get; } = [];

    public HashSet<string> Channels { get; } = new(StringComparer.Ordinal);

    public ulong PublishSequence;

    public bool Serves(string contract) => State == BusMemberState.Online && Started && Contracts.Contains(contract);

    // A member is shown joining until its plugin started: only then does it take work.
    public BusMemberInfo Describe() => new(
        Name, Service, Version, [.. Contracts.Order(StringComparer.Ordinal)], State == BusMemberState.Online && !Started ? BusMemberState.Joining : State, InFlight, Served, Interlocked.Read(ref Dropped),
        DateTimeOffset.UtcNow - TimeSpan.FromMilliseconds(Environment.TickCount64 - LastHeard));

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Service} {Version})");
}
