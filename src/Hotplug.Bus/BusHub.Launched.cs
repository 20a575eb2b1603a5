namespace Hotplug.Bus;

public sealed partial class BusHub
{
    /// <summary>The members that serve a version's calls: those it launched, and those that joined on their own.</summary>
    internal IReadOnlyList<BusMemberInfo> MembersOf(string service, HubService? owner)
    {
        lock (_gate)
        {
            return [.. _members.Values.Where(m => m.Welcomed && m.Service == service && (m.Owner is null || m.Owner == owner)).Select(m => m.Describe())];
        }
    }

    /// <summary>A launched member's process ended: it is offline at once, not after a heartbeat timeout.</summary>
    internal void MemberExited(string ticket, string why)
    {
        lock (_gate)
        {
            foreach (var member in _members.Values.Where(m => m.Ticket == ticket).ToList())
            {
                MemberLost(member, why);
                _members.Remove(member.Key);
            }
        }
    }
}
