using System.Buffers.Binary;
using System.Text;
using Hotplug.TestContracts;
using NetMQ;
using NetMQ.Sockets;

namespace Hotplug.Bus.Tests;

/// <summary>Who gets on an encrypted bus, and what a stranger's garbage does to it (nothing, for anyone else).</summary>
public sealed class SecurityTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("hotplug-bus-keys-");

    private string Trusted => Path.Combine(_folder.FullName, "trusted");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task EncryptedBus_TrustedKeyJoins_UnknownKeyRefused_NoCurveTimesOut()
    {
        Directory.CreateDirectory(Trusted);
        var trustedKey = Path.Combine(_folder.FullName, "good");
        BusKeys.Create().Save(trustedKey);
        File.Copy(trustedKey + ".pub", Path.Combine(Trusted, "good.pub"));
        var strangerKey = Path.Combine(_folder.FullName, "stranger");
        BusKeys.Create().Save(strangerKey);
        await using var hub = Hubs.Open(o => o.TrustedMembersPath = Trusted, BusKeys.Create());

        await using var good = await Worker.StartAsync(hub.Endpoints[0], "good", "work", "--hub-key", hub.PublicKey!, "--key", trustedKey + ".key");
        Assert.Equal("good", (await hub.Get<IWork>("work").DoAsync(new WorkRequest(1))).Member);

        await using var stranger = Worker.Launch(hub.Endpoints[0], "stranger", "work", "--hub-key", hub.PublicKey!, "--key", strangerKey + ".key");
        var refused = await stranger.WaitForAsync("join failed");
        Assert.Contains("BusRefusedException", refused, StringComparison.Ordinal);
        Assert.Contains("not in the host's trusted members folder", refused, StringComparison.Ordinal);

        await using var plain = Worker.Launch(hub.Endpoints[0], "plain", "work", "--join-timeout", "3000");
        var timedOut = await plain.WaitForAsync("join failed");
        Assert.Contains("TimeoutException", timedOut, StringComparison.Ordinal);
        Assert.Contains("HubPublicKey", timedOut, StringComparison.Ordinal);

        Assert.Equal(["good"], hub.Members.Select(m => m.Name));
        Assert.Equal("good", (await hub.Get<IWork>("work").DoAsync(new WorkRequest(2))).Member);
    }

    [Fact]
    public async Task TrustedKeyAddedWhileTheHostRuns_AdmittedAtItsNextJoin()
    {
        Directory.CreateDirectory(Trusted);
        var key = Path.Combine(_folder.FullName, "late");
        BusKeys.Create().Save(key);
        await using var hub = Hubs.Open(o => o.TrustedMembersPath = Trusted, BusKeys.Create());

        await using (var first = Worker.Launch(hub.Endpoints[0], "late", "work", "--hub-key", hub.PublicKey!, "--key", key + ".key"))
        {
            await first.WaitForAsync("join failed");
        }

        File.Copy(key + ".pub", Path.Combine(Trusted, "late.pub"));
        await using var second = await Worker.StartAsync(hub.Endpoints[0], "late", "work", "--hub-key", hub.PublicKey!, "--key", key + ".key");
        Assert.Equal("late", (await hub.Get<IWork>("work").DoAsync(new WorkRequest(1))).Member);
    }

    [Fact]
    public async Task GarbageFromAStranger_AnsweredWithErrors_TheBusServesOn()
    {
        await using var hub = Hubs.Open();
        await using var w1 = await Worker.StartAsync(hub.Endpoints[0], "w1");
        using var stranger = new DealerSocket();
        stranger.Connect(hub.Endpoints[0]);

        var garbage = new List<(string What, NetMQMessage Message)>
        {
            ("random bytes", Message(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n\r\n"))),
            ("empty frame", Message(new byte[][] { [] })),
            ("another protocol version", Message(Header(version: 9, kind: 1))),
            ("truncated header", Message(Header(1, 1)[..7])),
            ("a call before hello", Message(Header(1, 10), Encoding.UTF8.GetBytes("test.work/v1"), [1, 2, 3])),
            ("a hello that says nothing", Message(Header(1, 1), Encoding.UTF8.GetBytes("{not json"))),
            ("an unknown kind", Message(Header(1, 200))),
        };
        foreach (var (what, message) in garbage)
        {
            stranger.SendMultipartMessage(message);
            var answer = new NetMQMessage();
            Assert.True(stranger.TryReceiveMultipartMessage(Worker.Patience, ref answer), $"no answer to {what}");
            var kind = answer[0].Buffer[1];
            Assert.True(kind is 5 or 9, $"{what}: answered with kind {kind}"); // Refused or Error
            Assert.False(string.IsNullOrWhiteSpace(answer[answer.FrameCount - 1].ConvertToString(Encoding.UTF8)), $"{what}: the error says nothing");
        }

        Assert.Equal(["w1"], hub.Members.Select(m => m.Name));
        Assert.Equal(new WorkReply(3, "w1"), await hub.Get<IWork>("work").DoAsync(new WorkRequest(3)));
    }

    private static byte[] Header(byte version, byte kind)
    {
        var header = new byte[14];
        header[0] = version;
        header[1] = kind;
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(2), 1);
        return header;
    }

    private static NetMQMessage Message(params byte[][] frames)
    {
        var message = new NetMQMessage();
        foreach (var frame in frames)
        {
            message.Append(frame);
        }

        return message;
    }
}
